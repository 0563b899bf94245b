using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;

namespace Dativo.Ingestion.Discovery;

/// <summary>
/// An ODCS v3 contract drafted from what <see cref="SourceDiscovery"/> found: the columns of the job's PostgreSQL table
/// (types from the database, required from NOT NULL) or of its files (types inferred from a sample, required when the
/// sample holds no null), to review before use.
/// </summary>
public static partial class ContractDraft
{
    public static string Yaml(DiscoveryResult found, LoadedJob job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(found);
        ArgumentNullException.ThrowIfNull(job);
        var (from, columns) = Columns(found, job);
        if (columns.Count == 0)
            throw new DativoException($"{job.File}: {from} has no columns to draft a contract from (an empty file or table)");
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Drafted by dativo discover from {from} on {now:yyyy-MM-dd}. Review before use: the types\n");
        sb.Append("# (inferred from a sample for files), which columns are required, classifications (PII, ...) and the owner.\n");
        sb.Append("apiVersion: v3.0.2\nkind: DataContract\n");
        sb.Append(CultureInfo.InvariantCulture, $"name: {Scalar(job.Contract.Name)}\n");
        sb.Append("version: \"0.1.0\"\nstatus: draft\n");
        sb.Append(CultureInfo.InvariantCulture, $"domain: {Scalar(job.TargetNamespace)}\n");
        sb.Append("schema:\n");
        foreach (var c in columns)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  - name: {Scalar(c.Name)}\n");
            var (type, precision, scale) = c.Type;
            sb.Append(CultureInfo.InvariantCulture, $"    type: {type}\n");
            if (precision is { } p) sb.Append(CultureInfo.InvariantCulture, $"    precision: {p}\n    scale: {scale}\n");
            if (c.Required) sb.Append("    required: true\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"team:\n  owner: {Scalar(job.Config.TenantId)}   # the person or team accountable for this data\n");
        return sb.ToString();
    }

    private sealed record DraftColumn(string Name, (string Type, int? Precision, int? Scale) Type, bool Required);

    private static (string From, List<DraftColumn> Columns) Columns(DiscoveryResult found, LoadedJob job)
    {
        if (found.Source is "postgres" or "postgresql")
        {
            var tables = found.Tables.Where(t => t.InJob).ToList();
            if (tables.Count != 1)
                throw new DativoException($"{job.File}: a contract describes one table, and the job reads {tables.Count} of the database's tables " +
                    $"(source.tables); list exactly one to draft its contract");
            var t = tables[0];
            return ($"table {t.Schema}.{t.Name}", [.. t.Columns.Select(c => new DraftColumn(c.Name, FromPostgres(c.Type), !c.Nullable))]);
        }
        if (found.Files.Count == 0)
            throw new DativoException($"{job.File}: source.files selects no file to draft a contract from");
        // the union of the files' columns, in order of appearance; a column whose files disagree on the type is a string
        var merged = new List<DraftColumn>();
        foreach (var f in found.Files)
            foreach (var c in f.Columns)
            {
                var type = f.Format == "parquet" ? FromDuckDb(c.Type) : FromInferred(c.Type);
                var at = merged.FindIndex(m => string.Equals(m.Name, c.Name, StringComparison.OrdinalIgnoreCase));
                if (at < 0) merged.Add(new DraftColumn(c.Name, type, !c.Nullable && found.Files.All(o => o.Columns.Any(x => string.Equals(x.Name, c.Name, StringComparison.OrdinalIgnoreCase)))));
                else merged[at] = merged[at] with { Type = Widen(merged[at].Type, type), Required = merged[at].Required && !c.Nullable };
            }
        var names = found.Files.Count == 1 ? found.Files[0].Path : $"{found.Files.Count} files ({found.Files[0].Path}, …)";
        return (names, merged);
    }

    private static (string, int?, int?) Widen((string Type, int? Precision, int? Scale) a, (string Type, int? Precision, int? Scale) b)
    {
        if (a == b) return a;
        if (a.Type == "decimal" && b.Type == "decimal")
        {
            var scale = Math.Max(a.Scale ?? 0, b.Scale ?? 0);
            var integer = Math.Max((a.Precision ?? 0) - (a.Scale ?? 0), (b.Precision ?? 0) - (b.Scale ?? 0));
            return integer + scale <= 38 ? ("decimal", integer + scale, scale) : ("double", null, null);
        }
        if (a.Type is "bigint" or "decimal" && b.Type is "bigint" or "decimal") return a.Type == "decimal" ? a : b;
        if (a.Type is "bigint" or "decimal" or "double" && b.Type is "bigint" or "decimal" or "double") return ("double", null, null);
        if (a.Type is "date" or "timestamp" or "timestamptz" && b.Type is "date" or "timestamp" or "timestamptz") return ("timestamp", null, null);
        return ("string", null, null);
    }

    private static (string, int?, int?) FromInferred(string type) =>
        Decimal().Match(type) is { Success: true } m
            ? ("decimal", int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
            : (type, null, null);

    /// <summary>A PostgreSQL type (<c>format_type</c>) as a contract type.</summary>
    private static (string, int?, int?) FromPostgres(string type) => type switch
    {
        "bigint" => ("bigint", null, null),
        "integer" or "smallint" => ("int", null, null),
        "double precision" or "real" => ("double", null, null),
        "boolean" => ("boolean", null, null),
        "date" => ("date", null, null),
        "timestamp without time zone" => ("timestamp", null, null),
        "timestamp with time zone" => ("timestamptz", null, null),
        "time without time zone" => ("time", null, null),
        "uuid" => ("uuid", null, null),
        "bytea" => ("binary", null, null),
        "numeric" => ("decimal", 38, 9), // no declared precision: the contract's default; values with more digits are refused, not rounded
        _ when Numeric().Match(type) is { Success: true } m => ("decimal", int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            m.Groups[2].Success ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0),
        _ when type.StartsWith("timestamp", StringComparison.Ordinal) => (type.Contains("with time zone", StringComparison.Ordinal) ? "timestamptz" : "timestamp", null, null),
        _ => ("string", null, null),
    };

    /// <summary>A DuckDB type (Parquet schema, lower case) as a contract type.</summary>
    private static (string, int?, int?) FromDuckDb(string type) => type switch
    {
        "bigint" => ("bigint", null, null),
        "integer" or "smallint" or "tinyint" or "usmallint" or "utinyint" => ("int", null, null),
        "uinteger" => ("bigint", null, null),
        "ubigint" or "hugeint" => ("decimal", 38, 0),
        "double" or "float" => ("double", null, null),
        "boolean" => ("boolean", null, null),
        "date" => ("date", null, null),
        "timestamp with time zone" => ("timestamptz", null, null),
        "time" => ("time", null, null),
        "blob" => ("binary", null, null),
        "uuid" => ("uuid", null, null),
        _ when type.StartsWith("timestamp", StringComparison.Ordinal) => ("timestamp", null, null),
        _ when Decimal().Match(type.Replace(" ", "", StringComparison.Ordinal)) is { Success: true } m =>
            ("decimal", int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)),
        _ => ("string", null, null),
    };

    /// <summary>A YAML scalar: plain when it is a simple name, else double-quoted (JSON escapes are valid YAML).</summary>
    private static string Scalar(string s) => SimpleName().IsMatch(s) && s is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n")
        ? s : System.Text.Json.JsonSerializer.Serialize(s);

    [GeneratedRegex(@"^decimal\((\d+),(\d+)\)$")]
    private static partial Regex Decimal();

    [GeneratedRegex(@"^numeric\((\d+)(?:,(\d+))?\)$")]
    private static partial Regex Numeric();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.@-]*$")]
    private static partial Regex SimpleName();
}
