using System.CommandLine;
using System.Globalization;
using Dativo.Application.Tables;
using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Storage;

namespace Dativo.Cli.Commands;

/// <summary>The options every <c>dativo table</c> command shares and how they open a table or the catalog.</summary>
internal sealed class TableTarget
{
    public const string DefaultWarehouse = WarehouseOptions.DefaultWarehouse;

    public Option<string> Warehouse { get; } = new("--warehouse") { Description = $"warehouse folder or s3://bucket/prefix (default ./{DefaultWarehouse})" };

    public Option<string> Catalog { get; } = new("--catalog") { Description = "catalog database URI (default <warehouse>/catalog.db)" };

    public Option<string> CatalogName { get; } = new("--catalog-name") { Description = "catalog_name in the catalog database (default 'default')" };

    public Option<string[]> LocationMap { get; } = new("--location-map") { Description = "OLD_PREFIX=NEW_PREFIX for tables opened by path that were moved", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command c)
    {
        c.Options.Add(Warehouse);
        c.Options.Add(Catalog);
        c.Options.Add(CatalogName);
        c.Options.Add(LocationMap);
    }

    /// <summary>The application layer's view of the warehouse options.</summary>
    public TableLake Lake(ParseResult pr, TimeProvider time) =>
        new(new WarehouseOptions(pr.GetValue(Warehouse) ?? DefaultWarehouse, pr.GetValue(Catalog), pr.GetValue(CatalogName)), time);

    public ICatalog OpenCatalog(ParseResult pr) => Lake(pr, TimeProvider.System).OpenCatalog();

    public static string LocalDir(string warehouse) => TableLake.LocalDir(warehouse);

    /// <summary>NAME is a table location (a path or URI) when it contains '/' or names an existing folder; else <c>namespace.table</c>.</summary>
    public static bool IsLocation(string name) => name.Contains('/', StringComparison.Ordinal) || name.Contains("://", StringComparison.Ordinal) || Directory.Exists(name);

    /// <summary>Opens a table; a missing or corrupt metadata file is a <see cref="DamagedTableException"/> naming it.</summary>
    public async Task<IcebergTable> OpenAsync(ParseResult pr, string name, TimeProvider time, CancellationToken ct)
    {
        return IsLocation(name)
            ? await OpenLocationAsync(name, ParseMap(pr.GetValue(LocationMap) ?? []), time, ct)
            : await OpenAsync(pr, OpenCatalog(pr), TableIdentifier.Parse(name), time, ct);
    }

    /// <summary>A catalog table by identifier: its names are used as they are, whatever characters they hold.</summary>
    public Task<IcebergTable> OpenAsync(ParseResult pr, ICatalog catalog, TableIdentifier id, TimeProvider time, CancellationToken ct) =>
        Lake(pr, time).OpenAsync(catalog, id, ParseMap(pr.GetValue(LocationMap) ?? []), ct);

    /// <summary>Points the catalog entry of <paramref name="name"/> at another of its metadata files (see <see cref="IcebergTables.RollbackToMetadataAsync"/>).</summary>
    public Task<IcebergTable> RollbackToMetadataAsync(ParseResult pr, string name, string metadataFile, TimeProvider time, CancellationToken ct) =>
        IcebergTables.RollbackToMetadataAsync(OpenCatalog(pr), ObjectStores.Open(pr.GetValue(Warehouse) ?? DefaultWarehouse),
            TableIdentifier.Parse(name), metadataFile, time, ct);

    private static async Task<IcebergTable> OpenLocationAsync(string name, IReadOnlyDictionary<string, string> map, TimeProvider time, CancellationToken ct)
    {
        var location = name.TrimEnd('/');
        var slash = location.LastIndexOf('/');
        if (!location.Contains("://", StringComparison.Ordinal) && !Directory.Exists(location))
            throw new DativoException($"table location {name} does not exist");
        // the store is the parent folder, so the table key is its last segment
        var parent = slash < 0 ? "." : slash == 0 ? "/" : location[..slash];
        var store = ObjectStores.Open(parent.Contains("://", StringComparison.Ordinal) ? parent : Path.GetFullPath(parent));
        return await IcebergTables.OpenFromLocationAsync(store, location[(slash + 1)..], map, time, ct);
    }

    /// <summary><c>OLD=NEW</c> pairs; a NEW without a scheme is a local folder.</summary>
    public static IReadOnlyDictionary<string, string> ParseMap(IEnumerable<string> pairs)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in pairs)
        {
            var eq = p.LastIndexOf('=');
            if (eq <= 0 || eq == p.Length - 1)
                throw new DativoException($"--location-map '{p}': use OLD_PREFIX=NEW_PREFIX (e.g. s3a://bucket/wh=/data/wh)");
            var to = p[(eq + 1)..];
            if (!to.Contains("://", StringComparison.Ordinal)) to = ObjectStores.Open(Path.GetFullPath(to)).Root;
            map[p[..eq]] = to;
        }
        return map;
    }

    /// <summary>Durations like <c>7d</c>, <c>12h</c>, <c>30m</c>, <c>45s</c>, <c>0s</c>.</summary>
    public static TimeSpan Duration(string option, string value)
    {
        var v = value.Trim();
        if (v.Length >= 2 && double.TryParse(v[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            switch (char.ToLowerInvariant(v[^1]))
            {
                case 'd': return TimeSpan.FromDays(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 's': return TimeSpan.FromSeconds(n);
            }
        }
        throw new DativoException($"{option}: '{value}' is not a duration; use e.g. 7d, 12h, 30m or 0s");
    }
}
