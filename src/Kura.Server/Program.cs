using Kura.Identity;
using Kura.Server;

if (args is ["appkey", ..])
{
    return await KuraServer.AppkeyCommandAsync(args[1..]);
}

var app = KuraServer.Build(args);
var bootstrap = await KuraServer.InitializeAsync(app);
await app.StartAsync();

var baseUrl = app.Urls.First().TrimEnd('/');
var identity = app.Services.GetRequiredService<IdentityOptions>();
var publicUrl = string.IsNullOrWhiteSpace(identity.PublicUrl) ? baseUrl : identity.PublicUrl.TrimEnd('/');
if (bootstrap.GeneratedPassword is { } password)
{
    // Printed to the console once, on the start that created the admin user; never logged and never shown again.
    Console.Out.WriteLine($"""

        Kura created the admin user with a generated password. It is shown this once; save it now.
        Add this to ~/.config/openstack/clouds.yaml and run: openstack --os-cloud kura image list

        {KuraServer.CloudsYaml(publicUrl, password, identity.Region)}

        """);
}
else if (bootstrap.Created)
{
    Console.Out.WriteLine($"""

        Kura created the admin user with the password from KURA_ADMIN_PASSWORD. clouds.yaml entry:

        {KuraServer.CloudsYaml(publicUrl, "<KURA_ADMIN_PASSWORD>", identity.Region)}

        """);
}

Console.Out.WriteLine(identity.IsEmbedded
    ? $"Kura is serving the image API at {publicUrl} and identity at {publicUrl}/identity/v3"
    : $"Kura is serving the image API at {publicUrl}; tokens are Keystone's at {app.Services.GetRequiredService<ITokenAuthority>().ExternalUri}");
await app.WaitForShutdownAsync();
return 0;

/// <summary>The entry point, named so that tests can refer to the assembly.</summary>
public partial class Program;
