"""Makes a URL the image endpoint of a Keystone's catalog: scripts/keystone.sh register-image URL.

Usage: keystone-catalog.py KEYSTONE_V3_URL ADMIN_PASSWORD IMAGE_URL. Creates the service "glance" (type image) if
there is none, deletes the image service's endpoints, and adds public, internal and admin ones at IMAGE_URL in
RegionOne, as an operator does when Kura replaces Glance (docs/OPENSTACK.md).
"""
import json
import sys
import urllib.request

keystone, password, image = sys.argv[1], sys.argv[2], sys.argv[3]


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(keystone + path, method=method, data=data)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req) as r:
        return r.headers, json.loads(r.read() or b"null")


auth = {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}
token = call("POST", "/auth/tokens", {"auth": auth})[0]["X-Subject-Token"]
services = call("GET", "/services?type=image", token=token)[1]["services"]
if services:
    service = services[0]["id"]
else:
    service = call("POST", "/services", {"service": {"name": "glance", "type": "image", "description": "Kura"}}, token)[1]["service"]["id"]
for endpoint in call("GET", f"/endpoints?service_id={service}", token=token)[1]["endpoints"]:
    call("DELETE", f"/endpoints/{endpoint['id']}", token=token)
for interface in ("public", "internal", "admin"):
    call("POST", "/endpoints", {"endpoint": {"service_id": service, "interface": interface, "url": image, "region_id": "RegionOne"}}, token)
