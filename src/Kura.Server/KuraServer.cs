using Kura.Api;
using Kura.Api.Common;
using Kura.Blobs.FileSystem;
using Kura.Blobs.S3;
using Kura.Blobs.Swift;
using Kura.Dashboard;
using Kura.Domain.Blobs;
using Kura.Domain.Cluster;
using Kura.Domain.Images;
using Kura.Domain.Imports;
using Kura.Domain.Metadefs;
using Kura.Domain.Policy;
using Kura.Identity;
using Kura.Identity.Keystone;
using Kura.Server.Cluster;
using Kura.Server.Imports;
using Kura.Server.Outbound;
using Kura.Server.Telemetry;
using Kura.Storage.Postgres;
using Kura.Storage.Relational;
using Kura.Storage.Sqlite;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

namespace Kura.Server;

/// <summary>
/// The composition root: configuration, the one switch per backend, the services, and start-up work
/// (migrations, identity bootstrap, crash recovery) that must finish before the first request.
/// </summary>
public static class KuraServer
{
    public const string DefaultUrl = "http://127.0.0.1:9292";

    public static WebApplication Build(string[] args)
    {
        // appsettings.json is read from next to the binary; relative paths (the data directory) from the
        // directory Kura was started in.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

        // KURA_DATA_DIR and KURA_ADMIN_PASSWORD, at the lowest precedence: appsettings, ASP.NET-style
        // environment variables and the command line all override them.
        var kuraEnvironment = new Dictionary<string, string?>();
        AddIfSet(kuraEnvironment, "DataDirectory", "KURA_DATA_DIR");
        AddIfSet(kuraEnvironment, "Identity:AdminPassword", "KURA_ADMIN_PASSWORD");
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = kuraEnvironment });

        // Under systemd (deploy/systemd/kura.service, Type=notify): readiness once start-up work is done, journal-style
        // log lines. Does nothing elsewhere.
        builder.Host.UseSystemd();

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Kestrel's limits (appsettings.json "Kestrel:Limits"): bound here explicitly, including the data rates,
        // which have no setters the configuration binder could use.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var limits = builder.Configuration.GetSection("Kestrel:Limits");
            limits.Bind(kestrel.Limits);
            if (limits.GetSection("MinRequestBodyDataRate").Exists())
            {
                kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(
                    limits.GetValue<double>("MinRequestBodyDataRate:BytesPerSecond"), limits.GetValue<TimeSpan>("MinRequestBodyDataRate:GracePeriod"));
            }

            if (limits.GetSection("MinResponseDataRate").Exists())
            {
                kestrel.Limits.MinResponseDataRate = new MinDataRate(
                    limits.GetValue<double>("MinResponseDataRate:BytesPerSecond"), limits.GetValue<TimeSpan>("MinResponseDataRate:GracePeriod"));
            }
        });

        var dataDirectory = Path.GetFullPath(builder.Configuration["DataDirectory"] ?? "data");
        var services = builder.Services;
        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => PolicyOptions.Presets.Any(o.Is), $"Policy:Preset takes {string.Join(", ", PolicyOptions.Presets)}.")
            .ValidateOnStart();
        services.AddOptions<ImageOptions>().BindConfiguration(ImageOptions.Section)
            .PostConfigure<IOptions<PolicyOptions>>((o, policy) => o.ApplyPresetDefaults(policy.Value, key => builder.Configuration.GetSection($"{ImageOptions.Section}:{key}").Exists()))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<IdentityOptions>().BindConfiguration(IdentityOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => IdentityOptions.Types.Contains(o.Type, StringComparer.OrdinalIgnoreCase), $"Identity:Type takes {string.Join(", ", IdentityOptions.Types)}.")
            .ValidateOnStart();
        services.AddOptions<ImportOptions>().BindConfiguration(ImportOptions.Section)
            .PostConfigure(o => o.ApplyListDefaults(key => builder.Configuration.GetSection($"{ImportOptions.Section}:{key}").Exists()))
            .ValidateDataAnnotations()
            .Validate(o => o.EnabledMethods.All(m => ImportOptions.KnownMethods.Contains(m)), $"Import:EnabledMethods takes {string.Join(", ", ImportOptions.KnownMethods)}.")
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ImageOptions>>().Value);
        services.AddSingleton<Kura.Api.Glance.ListPageCache>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<PolicyOptions>>().Value);
        services.AddSingleton(sp => PolicyFile.Authorizer(sp.GetRequiredService<PolicyOptions>()));
        services.AddSingleton(sp => ImagePolicy.For(sp.GetRequiredService<PolicyOptions>(), sp.GetRequiredService<IImageStore>()));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ImportOptions>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<IdentityOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ClusterNode>();
        services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.LeaseTime > 2 * o.HeartbeatInterval, "Cluster:LeaseTime must be more than twice Cluster:HeartbeatInterval.")
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ClusterOptions>>().Value);

        var database = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        switch (database.Type)
        {
            case "Sqlite":
                var dbPath = Path.GetFullPath(database.Path ?? Path.Combine(dataDirectory, "kura.db"));
                services.AddSingleton(sp => new SqliteDatabase(dbPath, sp.GetRequiredService<ILogger<SqliteDatabase>>()));
                // The embedded file has one writer, this process: what it read stays exact until it writes.
                services.AddSingleton(new CatalogVersion(shared: false));
                services.AddSingleton(sp => new RelationalImageStore(sp.GetRequiredService<SqliteDatabase>()));
                services.AddSingleton<IImageStore>(sp => new VersionedImageStore(sp.GetRequiredService<RelationalImageStore>(), sp.GetRequiredService<CatalogVersion>()));
                services.AddSingleton<IIdentityStore>(sp => new RelationalIdentityStore(sp.GetRequiredService<SqliteDatabase>()));
                services.AddSingleton<IMetadefStore>(sp => new RelationalMetadefStore(sp.GetRequiredService<SqliteDatabase>()));
                services.AddSingleton<ITaskStore>(sp => new RelationalTaskStore(sp.GetRequiredService<SqliteDatabase>()));
                services.AddSingleton<ILeaseStore>(sp => new RelationalLeaseStore(sp.GetRequiredService<SqliteDatabase>()));
                services.AddSingleton<Func<CancellationToken, Task>>(sp => ct => sp.GetRequiredService<SqliteDatabase>().MigrateAsync(ct));
                // An embedded file has one node: whatever an earlier process left in progress is dead at start.
                services.PostConfigure<ClusterOptions>(o => o.SingleNode = true);
                break;
            case "Postgres":
                var connectionString = database.ConnectionString
                    ?? throw new InvalidOperationException("Database:Type Postgres needs Database:ConnectionString.");
                services.AddSingleton(sp => new PostgresDatabase(connectionString, sp.GetRequiredService<ILogger<PostgresDatabase>>()));
                services.AddSingleton(new CatalogVersion(shared: true));
                services.AddSingleton<IImageStore>(sp => new RelationalImageStore(sp.GetRequiredService<PostgresDatabase>()));
                services.AddSingleton<IIdentityStore>(sp => new RelationalIdentityStore(sp.GetRequiredService<PostgresDatabase>()));
                services.AddSingleton<IMetadefStore>(sp => new RelationalMetadefStore(sp.GetRequiredService<PostgresDatabase>()));
                services.AddSingleton<ITaskStore>(sp => new RelationalTaskStore(sp.GetRequiredService<PostgresDatabase>()));
                services.AddSingleton<ILeaseStore>(sp => new RelationalLeaseStore(sp.GetRequiredService<PostgresDatabase>()));
                services.AddSingleton<PostgresChangeListener>();
                services.AddHostedService<PostgresListenerService>();
                services.AddSingleton<Func<CancellationToken, Task>>(sp => ct => sp.GetRequiredService<PostgresDatabase>().MigrateAsync(ct));
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Type '{database.Type}'. Supported: {string.Join(", ", DatabaseOptions.Types)}.");
        }

        var blobs = builder.Configuration.GetSection(BlobOptions.Section).Get<BlobOptions>() ?? new BlobOptions();
        Func<IServiceProvider, IBlobStore> blobStore;
        switch (blobs.Type)
        {
            case "FileSystem":
                var root = Path.GetFullPath(blobs.Path ?? Path.Combine(dataDirectory, "blobs"));
                services.AddSingleton(_ => new FileSystemBlobStore(root));
                blobStore = sp => sp.GetRequiredService<FileSystemBlobStore>();
                break;
            case "Swift":
                services.AddOptions<SwiftOptions>().BindConfiguration(SwiftOptions.Section).ValidateDataAnnotations().ValidateOnStart();
                services.AddOutboundHttpClient(OutboundBackend.Swift);
                services.AddSingleton(sp => new SwiftBlobStore(sp.GetRequiredService<IOptions<SwiftOptions>>().Value, OutboundClient(sp, OutboundBackend.Swift)));
                blobStore = sp => sp.GetRequiredService<SwiftBlobStore>();
                break;
            case "S3":
                services.AddOptions<S3Options>().BindConfiguration(S3Options.Section).ValidateDataAnnotations().ValidateOnStart();
                services.AddOutboundHttpClient(OutboundBackend.S3);
                services.AddSingleton(sp => new S3BlobStore(sp.GetRequiredService<IOptions<S3Options>>().Value,
                    () => OutboundClient(sp, OutboundBackend.S3), sp.GetRequiredService<IOptionsMonitor<ResilienceOptions>>().Get(OutboundBackend.S3.Name).MaxRetries));
                blobStore = sp => sp.GetRequiredService<S3BlobStore>();
                break;
            default:
                throw new InvalidOperationException($"Unknown Blobs:Type '{blobs.Type}'. Supported: {string.Join(", ", BlobOptions.Types)}.");
        }

        // Every store behind one span per call (costs nothing while no tracer listens).
        services.AddSingleton<IBlobStore>(sp => new TracedBlobStore(blobStore(sp), blobs.Type));
        services.AddKuraTelemetry(builder.Configuration, postgres: database.Type == "Postgres");

        services.AddSingleton<ImageDataWriter>();
        services.AddSingleton<ImageService>();
        services.AddSingleton<MetadefService>();
        services.AddSingleton<ImportService>();
        services.AddOutboundHttpClient(OutboundBackend.WebDownload, (handler, sp) => HttpWebFetcher.ConfigureHandler(handler, sp.GetRequiredService<ImportOptions>()));
        services.AddSingleton<IWebFetcher>(sp => new HttpWebFetcher(sp.GetRequiredService<ImportOptions>(), () => OutboundClient(sp, OutboundBackend.WebDownload)));
        services.AddSingleton<ImportScheduler>();
        services.AddSingleton<IImportScheduler>(sp => sp.GetRequiredService<ImportScheduler>());
        services.AddHostedService(sp => sp.GetRequiredService<ImportScheduler>());
        services.AddSingleton<IdentityService>();
        services.AddSingleton<IdentityAdminService>();
        AddTokenAuthority(services, builder.Configuration);
        services.AddSingleton<Kura.Api.Operations.KuraMetrics>();
        services.AddPasswordRateLimit();
        services.AddKuraCors();
        services.AddSingleton<RecoveryCounters>();
        services.AddSingleton<RecoveryService>();
        services.AddHostedService<ClusterHeartbeat>();
        services.AddDashboard();

        var app = builder.Build();
        app.UseKura();
        app.MapDashboard();
        return app;
    }

    /// <summary>
    /// Who issues and checks tokens (<c>Identity:Type</c>): Kura's own identity, or the cloud's Keystone reached through
    /// the <c>keystone</c> outbound client (<c>Resilience:Keystone</c>: quick retries of transient failures, a circuit
    /// breaker), each call within <see cref="KeystoneOptions.Timeout"/>.
    /// </summary>
    private static void AddTokenAuthority(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<TokenAuthentication>();
        if (!string.Equals(configuration[$"{IdentityOptions.Section}:Type"], "Keystone", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<ITokenAuthority, EmbeddedTokenAuthority>();
            return;
        }

        services.AddOptions<KeystoneOptions>().BindConfiguration(KeystoneOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<KeystoneOptions>>().Value);
        services.AddOutboundHttpClient(OutboundBackend.Keystone);
        services.AddSingleton(sp => new KeystoneClient(
            () => OutboundClient(sp, OutboundBackend.Keystone),
            sp.GetRequiredService<KeystoneOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<KeystoneClient>>()));
        services.AddSingleton<ITokenAuthority, KeystoneTokenAuthority>();
    }

    private static HttpClient OutboundClient(IServiceProvider sp, OutboundBackend backend) =>
        sp.GetRequiredService<IHttpClientFactory>().CreateClient(backend.Name);

    /// <summary>Start-up work, in order: schema migrations, identity bootstrap, joining the cluster and recovering what stopped nodes left.</summary>
    public static async Task<BootstrapResult> InitializeAsync(WebApplication app, CancellationToken ct = default)
    {
        var sp = app.Services;
        _ = sp.GetRequiredService<Kura.Domain.Authorization.Authorizer>(); // a bad Policy:File stops start-up here
        await sp.GetRequiredService<Func<CancellationToken, Task>>()(ct);
        var identity = sp.GetRequiredService<IdentityService>();
        var result = identity.Options.IsEmbedded
            ? await identity.BootstrapAsync(identity.Options.AdminPassword, ct)
            : new BootstrapResult(false, null); // the cloud's Keystone holds the users
        await identity.PurgeExpiredTokensAsync(ct);
        await sp.GetRequiredService<RecoveryService>().StartAsync(ct);
        return result;
    }

    /// <summary>
    /// <c>Kura.Server appkey PROJECT_ID [APPKEY] [configuration…]</c>: gives a Keystone project its NHN v1.0 appkey in
    /// Kura's database (the same configuration as the server's) and prints it. Exit code 2 for bad usage or input.
    /// </summary>
    public static async Task<int> AppkeyCommandAsync(string[] args)
    {
        var positional = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        if (positional.Length is < 1 or > 2)
        {
            await Console.Error.WriteLineAsync("usage: Kura.Server appkey PROJECT_ID [APPKEY] [--Database:…]");
            return 2;
        }

        await using var app = Build(args[positional.Length..]);
        await app.Services.GetRequiredService<Func<CancellationToken, Task>>()(CancellationToken.None);
        try
        {
            var project = await app.Services.GetRequiredService<IdentityService>()
                .SetCloudProjectAppkeyAsync(positional[0], positional.ElementAtOrDefault(1), CancellationToken.None);
            Console.Out.WriteLine(project.Appkey);
            return 0;
        }
        catch (Kura.Domain.KuraException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }
    }

    /// <summary>A clouds.yaml entry for the admin user at <paramref name="baseUrl"/>.</summary>
    public static string CloudsYaml(string baseUrl, string password, string region) => $"""
        clouds:
          kura:
            auth:
              auth_url: {baseUrl}/identity/v3
              username: admin
              password: {password}
              project_name: admin
              user_domain_name: Default
              project_domain_name: Default
            region_name: {region}
            identity_api_version: 3
            image_api_version: 2
            interface: public
        """;

    private static void AddIfSet(Dictionary<string, string?> target, string key, string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(value))
        {
            target[key] = value;
        }
    }
}
