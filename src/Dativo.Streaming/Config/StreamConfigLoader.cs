using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Config.Yaml;
using YamlDotNet.RepresentationModel;

namespace Dativo.Streaming.Config;

/// <summary>
/// Loads a delivery-stream file: schema (types, ranges, unknown keys with "did you mean"), then the rules Firehose
/// enforces (<see cref="StreamRules"/>). Every problem in the file is reported at once, each with file:line:column.
/// </summary>
internal static class StreamConfigLoader
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    public static LoadedStreams Load(string path, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var full = Path.GetFullPath(path);
        var shown = Path.GetRelativePath(Directory.GetCurrentDirectory(), full);
        if (shown.StartsWith("..", StringComparison.Ordinal)) shown = full;
        var root = YamlFile.Load(full, shown);
        var (json, bindIssues) = SchemaBinder.Bind(root, StreamSchema.Root, shown, env);
        if (json is not JsonObject)
            throw new ConfigException(bindIssues.Count > 0 ? bindIssues : [new(IssueSeverity.Error, shown, 1, 1, "", "expected a YAML mapping with port: and streams:")]);

        // The rules run even when the schema found problems, so one pass reports everything; values the schema
        // refused are null here and the rules skip them.
        var definition = json.Deserialize<StreamsFileDefinition>(Json)!;
        var ctx = new StreamConfigContext(shown, Path.GetDirectoryName(full)!, root, env);
        ctx.Issues.AddRange(bindIssues);
        var loaded = Build(definition, ctx);
        var errors = ctx.Issues.Where(i => i.Severity == IssueSeverity.Error).ToList();
        if (errors.Count > 0) throw new ConfigException([.. Ordered(errors), .. ctx.Issues.Where(i => i.Severity == IssueSeverity.Warning)]);
        return loaded with { File = full, Warnings = ctx.Issues };
    }

    private static IEnumerable<ConfigIssue> Ordered(IEnumerable<ConfigIssue> issues) =>
        issues.Distinct().OrderBy(i => i.File == issues.First().File ? 0 : 1).ThenBy(i => i.Line).ThenBy(i => i.Column);

    private static LoadedStreams Build(StreamsFileDefinition file, StreamConfigContext ctx)
    {
        var bind = string.IsNullOrWhiteSpace(file.Bind) ? "127.0.0.1" : file.Bind.Trim();
        bool loopback;
        if (bind == "localhost") loopback = true;
        else if (IPAddress.TryParse(bind, out var ip)) loopback = IPAddress.IsLoopback(ip);
        else
        {
            ctx.Error("bind", $"'{bind}' is not an IP address; write e.g. 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or localhost");
            loopback = true;
        }

        var fileAuth = file.Auth is null ? null : StreamRules.Auth(file.Auth, "auth", loopback, bind, ctx);
        var streams = new List<LoadedStream>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = file.Streams ?? [];
        if (list.Count == 0 && ctx.Root is YamlMappingNode m && m.Children.ContainsKey(new YamlScalarNode("streams")))
            ctx.Error("streams", "the list is empty; declare at least one stream: - name: ...");
        for (var i = 0; i < list.Count; i++)
        {
            var s = list[i];
            if (s is null) continue;
            if (!string.IsNullOrEmpty(s.Name))
            {
                if (names.TryGetValue(s.Name, out var first))
                    ctx.Error($"streams[{i}].name", $"stream name '{s.Name}' is already used by streams[{first}] (line {ctx.Line($"streams[{first}].name")}); delivery stream names are unique");
                else names[s.Name] = i;
            }
            var stream = StreamRules.Check(s, i, fileAuth, file.Auth is not null, loopback, bind, ctx);
            if (stream is not null) streams.Add(stream);
        }

        var dataDir = string.IsNullOrWhiteSpace(file.DataDir) ? ".dativo-stream" : file.DataDir;
        return new LoadedStreams
        {
            File = ctx.File,
            ShownFile = ctx.File,
            Yaml = ctx.Root,
            Port = file.Port ?? StreamSchema.DefaultPort,
            Bind = bind,
            DataDir = ctx.Resolve(dataDir),
            WalBudgetBytes = (file.WalBudgetMb ?? StreamSchema.DefaultWalBudgetMiB) * 1024 * 1024,
            StateUri = StateUri(file.State, ctx),
            Streams = streams,
        };
    }

    /// <summary>The state store URI as written; a plain path (a SQLite file) is taken relative to the file.</summary>
    private static string? StateUri(string? state, StreamConfigContext ctx)
    {
        if (string.IsNullOrWhiteSpace(state)) return null;
        state = state.Trim();
        var isPath = !state.Contains("://", StringComparison.Ordinal) && !state.Contains('=', StringComparison.Ordinal)
            && !state.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        if (isPath) return ctx.Resolve(state);
        var scheme = state.Contains("://", StringComparison.Ordinal) ? state[..state.IndexOf("://", StringComparison.Ordinal)].ToLowerInvariant() : null;
        if (scheme is not (null or "sqlite" or "postgres" or "postgresql" or "dynamodb" or "file"))
            ctx.Error("state", $"unsupported state store scheme '{scheme}://': use a SQLite file path, sqlite:///PATH, postgresql://USER@HOST:5432/DB or dynamodb://TABLE?region=REGION");
        return state;
    }
}

/// <summary>Where the rules report to: the file, its folder (relative paths), its YAML tree (locations) and the environment.</summary>
internal sealed class StreamConfigContext(string file, string directory, YamlNode root, Func<string, string?> env)
{
    public string File { get; } = file;
    public string Directory { get; } = directory;
    public YamlNode Root { get; } = root;
    public Func<string, string?> Env { get; } = env;
    public List<ConfigIssue> Issues { get; } = [];

    public void Error(string keyPath, string message) => Add(IssueSeverity.Error, keyPath, message);

    public void Warning(string keyPath, string message) => Add(IssueSeverity.Warning, keyPath, message);

    public int Line(string keyPath) => YamlLocator.Find(Root, keyPath).Line;

    public string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Directory, path));

    /// <summary>True when the key is written in the file (a default applies otherwise).</summary>
    public bool IsWritten(string keyPath) => Node(keyPath) is not null;

    /// <summary>The scalar as written, before <c>${VAR}</c> expansion.</summary>
    public string? RawScalar(string keyPath) => (Node(keyPath) as YamlScalarNode)?.Value;

    private YamlNode? Node(string keyPath)
    {
        var node = Root;
        foreach (var part in keyPath.Split('.'))
        {
            var name = part;
            int? index = null;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            }
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(name), out var child)) return null;
            node = child;
            if (index is { } i)
            {
                if (node is not YamlSequenceNode seq || i >= seq.Children.Count) return null;
                node = seq.Children[i];
            }
        }
        return node;
    }

    private void Add(IssueSeverity severity, string keyPath, string message)
    {
        // A key that is not written is reported at its closest written parent.
        var (line, col) = YamlLocator.Find(Root, keyPath);
        Issues.Add(new ConfigIssue(severity, File, line, col, keyPath, message));
    }
}
