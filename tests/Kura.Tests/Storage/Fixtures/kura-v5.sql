--
-- PostgreSQL database dump
--

\restrict ZJXIMi5S50qAKhXTK0Jof9G7TeoYmTuhKDgVoY7di8tJDQbQWGCAmojHf7JVOK9

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: cluster_jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cluster_jobs (
    name text NOT NULL,
    holder text NOT NULL,
    expires_at bigint NOT NULL
);


--
-- Name: cluster_nodes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cluster_nodes (
    id text NOT NULL,
    expires_at bigint NOT NULL
);


--
-- Name: domains; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.domains (
    id text NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    enabled boolean DEFAULT true NOT NULL
);


--
-- Name: image_members; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.image_members (
    image_id text NOT NULL COLLATE pg_catalog."C",
    member text NOT NULL,
    status text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: image_properties; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.image_properties (
    image_id text NOT NULL COLLATE pg_catalog."C",
    "position" integer NOT NULL,
    name text NOT NULL,
    value text NOT NULL
);


--
-- Name: image_tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.image_tags (
    image_id text NOT NULL COLLATE pg_catalog."C",
    value text NOT NULL
);


--
-- Name: images; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.images (
    id text NOT NULL COLLATE pg_catalog."C",
    name text COLLATE pg_catalog."C",
    disk_format text COLLATE pg_catalog."C",
    container_format text COLLATE pg_catalog."C",
    visibility text NOT NULL,
    size bigint,
    virtual_size bigint,
    status text NOT NULL COLLATE pg_catalog."C",
    checksum text,
    os_hash_algo text,
    os_hash_value text,
    protected boolean DEFAULT false NOT NULL,
    min_ram integer DEFAULT 0 NOT NULL,
    min_disk integer DEFAULT 0 NOT NULL,
    owner text,
    os_hidden boolean DEFAULT false NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    deleted boolean DEFAULT false NOT NULL,
    deleted_at bigint,
    location text,
    staging text,
    worker text,
    version bigint DEFAULT 1 NOT NULL,
    properties_json text DEFAULT '[]'::text NOT NULL,
    tags_json text DEFAULT '[]'::text NOT NULL
);


--
-- Name: metadef_namespaces; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.metadef_namespaces (
    id bigint NOT NULL,
    namespace text NOT NULL COLLATE pg_catalog."C",
    owner text,
    visibility text NOT NULL,
    protected boolean DEFAULT false NOT NULL,
    document text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    version bigint DEFAULT 1 NOT NULL
);


--
-- Name: metadef_namespaces_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.metadef_namespaces ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.metadef_namespaces_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: project_quotas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.project_quotas (
    project_id text NOT NULL,
    image_size bigint NOT NULL
);


--
-- Name: projects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projects (
    id text NOT NULL,
    name text NOT NULL,
    domain_id text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    appkey text
);


--
-- Name: role_assignments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.role_assignments (
    user_id text NOT NULL,
    project_id text NOT NULL,
    role_id text NOT NULL
);


--
-- Name: roles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roles (
    id text NOT NULL,
    name text NOT NULL,
    description text
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tasks (
    id text NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    owner text NOT NULL,
    image_id text NOT NULL,
    request_id text NOT NULL,
    user_id text NOT NULL,
    input text NOT NULL,
    result text,
    message text DEFAULT ''::text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    expires_at bigint
);


--
-- Name: tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tokens (
    digest text NOT NULL,
    user_id text NOT NULL,
    project_id text,
    methods text NOT NULL,
    issued_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    audit_ids text NOT NULL,
    revoked boolean DEFAULT false NOT NULL
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id text NOT NULL,
    name text NOT NULL,
    domain_id text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    default_project_id text,
    email text,
    description text,
    password_hash text,
    failed_auth_count integer DEFAULT 0 NOT NULL,
    failed_auth_at bigint
);


--
-- Data for Name: cluster_jobs; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: cluster_nodes; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: domains; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.domains VALUES ('default', 'Default', 'the default domain', true);


--
-- Data for Name: image_members; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.image_members VALUES ('0f1e2d3c-4b5a-4968-8776-655443322110', 'p-partner', 'accepted', 1796115600000000, 1796115600000000);


--
-- Data for Name: image_properties; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.image_properties VALUES ('0f1e2d3c-4b5a-4968-8776-655443322110', 0, 'os_distro', 'ubuntu');
INSERT INTO public.image_properties VALUES ('0f1e2d3c-4b5a-4968-8776-655443322110', 1, 'hw_disk_bus', 'virtio');


--
-- Data for Name: image_tags; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.image_tags VALUES ('0f1e2d3c-4b5a-4968-8776-655443322110', 'fixture');
INSERT INTO public.image_tags VALUES ('0f1e2d3c-4b5a-4968-8776-655443322110', 'ubuntu');


--
-- Data for Name: images; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.images VALUES ('0f1e2d3c-4b5a-4968-8776-655443322110', 'fixture-image', 'qcow2', 'bare', 'shared', NULL, NULL, 'queued', NULL, NULL, NULL, false, 512, 3, 'p-owner', false, 1796115600000000, 1796115600000000, false, NULL, NULL, NULL, NULL, 1, '[["os_distro","ubuntu"],["hw_disk_bus","virtio"]]', '["fixture","ubuntu"]');


--
-- Data for Name: metadef_namespaces; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: project_quotas; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: projects; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.projects VALUES ('p-owner', 'owner', 'default', 'owns the image', true, 'appkey-owner');
INSERT INTO public.projects VALUES ('p-partner', 'partner', 'default', 'the image is shared with it', true, NULL);


--
-- Data for Name: role_assignments; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.role_assignments VALUES ('u-alice', 'p-owner', 'r-member');


--
-- Data for Name: roles; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.roles VALUES ('r-member', 'member', 'the member role');


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_migrations VALUES (1, 'initial', '2026-12-04 21:25:42.629778+00');
INSERT INTO public.schema_migrations VALUES (2, 'providers', '2026-12-04 21:25:42.700618+00');
INSERT INTO public.schema_migrations VALUES (3, 'lockout', '2026-12-04 21:25:42.705938+00');
INSERT INTO public.schema_migrations VALUES (4, 'row_children', '2026-12-04 21:25:42.707356+00');
INSERT INTO public.schema_migrations VALUES (5, 'data_key_indexes', '2026-12-04 21:25:42.709255+00');


--
-- Data for Name: tasks; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: tokens; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.users VALUES ('u-alice', 'alice', 'default', true, 'p-owner', 'alice@example.org', 'fixture user', 'pbkdf2-sha512$1000$c2FsdA==$aGFzaA==', 0, NULL);


--
-- Name: metadef_namespaces_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.metadef_namespaces_id_seq', 1, false);


--
-- Name: cluster_jobs cluster_jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cluster_jobs
    ADD CONSTRAINT cluster_jobs_pkey PRIMARY KEY (name);


--
-- Name: cluster_nodes cluster_nodes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cluster_nodes
    ADD CONSTRAINT cluster_nodes_pkey PRIMARY KEY (id);


--
-- Name: domains domains_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.domains
    ADD CONSTRAINT domains_name_key UNIQUE (name);


--
-- Name: domains domains_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.domains
    ADD CONSTRAINT domains_pkey PRIMARY KEY (id);


--
-- Name: image_members image_members_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.image_members
    ADD CONSTRAINT image_members_pkey PRIMARY KEY (image_id, member);


--
-- Name: image_properties image_properties_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.image_properties
    ADD CONSTRAINT image_properties_pkey PRIMARY KEY (image_id, name);


--
-- Name: image_tags image_tags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.image_tags
    ADD CONSTRAINT image_tags_pkey PRIMARY KEY (image_id, value);


--
-- Name: images images_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.images
    ADD CONSTRAINT images_pkey PRIMARY KEY (id);


--
-- Name: metadef_namespaces metadef_namespaces_namespace_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.metadef_namespaces
    ADD CONSTRAINT metadef_namespaces_namespace_key UNIQUE (namespace);


--
-- Name: metadef_namespaces metadef_namespaces_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.metadef_namespaces
    ADD CONSTRAINT metadef_namespaces_pkey PRIMARY KEY (id);


--
-- Name: project_quotas project_quotas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.project_quotas
    ADD CONSTRAINT project_quotas_pkey PRIMARY KEY (project_id);


--
-- Name: projects projects_domain_id_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_domain_id_name_key UNIQUE (domain_id, name);


--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);


--
-- Name: role_assignments role_assignments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.role_assignments
    ADD CONSTRAINT role_assignments_pkey PRIMARY KEY (user_id, project_id, role_id);


--
-- Name: roles roles_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roles
    ADD CONSTRAINT roles_name_key UNIQUE (name);


--
-- Name: roles roles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roles
    ADD CONSTRAINT roles_pkey PRIMARY KEY (id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: tasks tasks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);


--
-- Name: tokens tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tokens
    ADD CONSTRAINT tokens_pkey PRIMARY KEY (digest);


--
-- Name: users users_domain_id_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_domain_id_name_key UNIQUE (domain_id, name);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: ix_image_members_member; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_image_members_member ON public.image_members USING btree (member, status);


--
-- Name: ix_image_properties_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_image_properties_name ON public.image_properties USING btree (name, value);


--
-- Name: ix_image_tags_value; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_image_tags_value ON public.image_tags USING btree (value);


--
-- Name: ix_images_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_created ON public.images USING btree (deleted, created_at DESC, id DESC);


--
-- Name: ix_images_in_progress; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_in_progress ON public.images USING btree (status) WHERE (status = ANY (ARRAY['saving'::text, 'uploading'::text, 'importing'::text]));


--
-- Name: ix_images_location; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_location ON public.images USING btree (location) WHERE (location IS NOT NULL);


--
-- Name: ix_images_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_name ON public.images USING btree (name);


--
-- Name: ix_images_name_order; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_name_order ON public.images USING btree (deleted, COALESCE(name, ''::text), created_at, id);


--
-- Name: ix_images_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_owner ON public.images USING btree (owner, deleted, created_at DESC, id DESC);


--
-- Name: ix_images_size_order; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_size_order ON public.images USING btree (deleted, COALESCE(size, (0)::bigint), created_at, id);


--
-- Name: ix_images_staging; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_staging ON public.images USING btree (staging) WHERE (staging IS NOT NULL);


--
-- Name: ix_images_updated_order; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_images_updated_order ON public.images USING btree (deleted, updated_at, id);


--
-- Name: ix_role_assignments_project; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_role_assignments_project ON public.role_assignments USING btree (project_id);


--
-- Name: ix_tasks_image; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_image ON public.tasks USING btree (image_id, created_at);


--
-- Name: ix_tasks_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_status ON public.tasks USING btree (status);


--
-- Name: ix_tokens_expires; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tokens_expires ON public.tokens USING btree (expires_at);


--
-- Name: ix_tokens_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tokens_user ON public.tokens USING btree (user_id);


--
-- Name: ux_projects_appkey; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ux_projects_appkey ON public.projects USING btree (appkey);


--
-- Name: image_members image_members_image_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.image_members
    ADD CONSTRAINT image_members_image_id_fkey FOREIGN KEY (image_id) REFERENCES public.images(id) ON DELETE CASCADE;


--
-- Name: image_properties image_properties_image_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.image_properties
    ADD CONSTRAINT image_properties_image_id_fkey FOREIGN KEY (image_id) REFERENCES public.images(id) ON DELETE CASCADE;


--
-- Name: image_tags image_tags_image_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.image_tags
    ADD CONSTRAINT image_tags_image_id_fkey FOREIGN KEY (image_id) REFERENCES public.images(id) ON DELETE CASCADE;


--
-- Name: projects projects_domain_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_domain_id_fkey FOREIGN KEY (domain_id) REFERENCES public.domains(id);


--
-- Name: role_assignments role_assignments_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.role_assignments
    ADD CONSTRAINT role_assignments_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: role_assignments role_assignments_role_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.role_assignments
    ADD CONSTRAINT role_assignments_role_id_fkey FOREIGN KEY (role_id) REFERENCES public.roles(id) ON DELETE CASCADE;


--
-- Name: role_assignments role_assignments_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.role_assignments
    ADD CONSTRAINT role_assignments_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: tokens tokens_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tokens
    ADD CONSTRAINT tokens_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: tokens tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tokens
    ADD CONSTRAINT tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: users users_domain_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_domain_id_fkey FOREIGN KEY (domain_id) REFERENCES public.domains(id);


--
-- PostgreSQL database dump complete
--

\unrestrict ZJXIMi5S50qAKhXTK0Jof9G7TeoYmTuhKDgVoY7di8tJDQbQWGCAmojHf7JVOK9

