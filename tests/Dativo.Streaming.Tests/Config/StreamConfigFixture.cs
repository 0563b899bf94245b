using Dativo.Core.Config;
using Dativo.Streaming.Config;
using Dativo.Testing;

namespace Dativo.Streaming.Tests.Config;

/// <summary>Writes a stream file into a temporary folder and loads it with the real loader.</summary>
internal sealed class StreamFile : IDisposable
{
    private readonly TempDir _dir = new("dativo-streamcfg-");

    public string Dir => _dir.Path;

    public string Write(string yaml, string name = "streams.yaml") => _dir.File(name, yaml);

    public LoadedStreams Load(string yaml, Func<string, string?>? env = null) =>
        StreamConfigLoader.Load(Write(yaml), env ?? (_ => null));

    /// <summary>The issues of a file that must not load.</summary>
    public IReadOnlyList<ConfigIssue> Errors(string yaml, Func<string, string?>? env = null)
    {
        var e = Assert.Throws<ConfigException>(() => StreamConfigLoader.Load(Write(yaml), env ?? (_ => null)));
        return [.. e.Issues.Where(i => i.Severity == IssueSeverity.Error)];
    }

    /// <summary>The one error of a file, checked to be at <paramref name="line"/> and to mention <paramref name="text"/>.</summary>
    public ConfigIssue SingleError(string yaml, int line, string text, Func<string, string?>? env = null)
    {
        var errors = Errors(yaml, env);
        var e = Assert.Single(errors);
        Assert.Equal(line, e.Line);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
        Assert.EndsWith("streams.yaml", e.File, StringComparison.Ordinal);
        return e;
    }

    public void Dispose() => _dir.Dispose();
}
