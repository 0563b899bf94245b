using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace Dativo.Aws;

/// <summary>
/// Credentials for hand-written AWS calls, found without probing the network off AWS: the environment
/// (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_SESSION_TOKEN</c>); else a profile (<c>AWS_PROFILE</c>,
/// else <c>default</c>) of the shared credentials file (<c>AWS_SHARED_CREDENTIALS_FILE</c>, else <c>~/.aws/credentials</c>);
/// else, only where the process evidently runs on AWS (container or web-identity credentials in the environment, or
/// an EC2 instance, which EMR nodes are), AWSSDK.Core's default chain with its instance role. Null when none applies.
/// The returned object refreshes itself (instance roles, web identity), so callers keep it and ask it per request.
/// </summary>
internal static class AwsCredentialChain
{
    public static AWSCredentials? Resolve(Func<string, string?> env)
    {
        var id = env("AWS_ACCESS_KEY_ID");
        var secret = env("AWS_SECRET_ACCESS_KEY");
        if (!string.IsNullOrEmpty(id) && !string.IsNullOrEmpty(secret))
            return env("AWS_SESSION_TOKEN") is { Length: > 0 } token ? new SessionAWSCredentials(id, secret, token) : new BasicAWSCredentials(id, secret);

        var profile = env("AWS_PROFILE") is { Length: > 0 } p ? p : "default";
        var file = env("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } f ? f
            : Path.Combine(env("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");
        if (File.Exists(file) && new CredentialProfileStoreChain(file).TryGetAWSCredentials(profile, out var fromProfile))
            return fromProfile;

        return OnAws(env) ? DefaultAWSCredentialsIdentityResolver.GetCredentials() : null;
    }

    private static bool OnAws(Func<string, string?> env) =>
        !string.IsNullOrEmpty(env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
        || !string.IsNullOrEmpty(env("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        || !string.IsNullOrEmpty(env("AWS_WEB_IDENTITY_TOKEN_FILE"))
        || Starts("/sys/devices/virtual/dmi/id/board_asset_tag", "i-") // Nitro instances: the instance id
        || Starts("/sys/hypervisor/uuid", "ec2"); // Xen instances

    private static bool Starts(string path, string prefix)
    {
        try { return File.Exists(path) && File.ReadAllText(path).StartsWith(prefix, StringComparison.Ordinal); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
