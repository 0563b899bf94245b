using Dativo.Lake.Engine;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;

namespace Dativo.Lake.Iceberg.Scan;

/// <summary>Rows returned by <see cref="TableScan.ReadAsync"/>.</summary>
public sealed record TableRows(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

/// <summary>A read of a table snapshot: filter (AND of column predicates), projection, file planning, DuckDB execution.</summary>
public sealed class TableScan
{
    private readonly IcebergTable _table;
    private Expr _filter = Expr.True;
    private IReadOnlyList<string>? _columns;
    private long? _snapshotId;

    internal TableScan(IcebergTable table) => _table = table;

    public TableScan Filter(Expr filter)
    {
        _filter = Expr.And(_filter, filter);
        return this;
    }

    public TableScan Select(params string[] columns)
    {
        _columns = columns;
        return this;
    }

    /// <summary>Reads an older snapshot (time travel).</summary>
    public TableScan UseSnapshot(long snapshotId)
    {
        _snapshotId = snapshotId;
        return this;
    }

    private Snapshot? Snapshot => _snapshotId is { } id
        ? _table.Metadata.SnapshotById(id) ?? throw new Core.Errors.DativoException($"snapshot {id} does not exist in table {_table.Name}")
        : _table.Metadata.CurrentSnapshot;

    public Task<IReadOnlyList<ScanTask>> PlanFilesAsync(CancellationToken ct = default) =>
        ScanPlanner.PlanAsync(_table.Metadata, Snapshot, _table.Files, _filter, ct);

    /// <summary>The DuckDB SQL that returns the live rows (local stores only).</summary>
    public async Task<string> ToSqlAsync(CancellationToken ct = default)
    {
        var tasks = await PlanFilesAsync(ct);
        return await _table.ReadingDataFilesAsync(() =>
            TableSql.BuildAsync(_table.IO, _table.Metadata.CurrentSchema, tasks, BoundPredicate.Bind(_filter, _table.Metadata.CurrentSchema), _columns, ct));
    }

    public async Task<TableRows> ReadAsync(CancellationToken ct = default)
    {
        var sql = await ToSqlAsync(ct);
        await using var engine = await DuckDbEngine.OpenAsync(ct: ct);
        await using var result = await engine.OpenReaderAsync(sql, ct);
        var r = result.Reader;
        var names = Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
        var rows = new List<object?[]>();
        while (await r.ReadAsync(ct))
        {
            var row = new object?[r.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                var v = r.IsDBNull(i) ? null : r.GetValue(i);
                if (v is Stream blob)
                {
                    // BLOB streams are only valid on the current row
                    using var ms = new MemoryStream();
                    await blob.CopyToAsync(ms, ct);
                    v = ms.ToArray();
                }
                row[i] = v;
            }
            rows.Add(row);
        }
        return new TableRows(names, rows);
    }

    public async Task<long> CountAsync(CancellationToken ct = default)
    {
        var sql = await ToSqlAsync(ct);
        await using var engine = await DuckDbEngine.OpenAsync(ct: ct);
        return Convert.ToInt64(await engine.ScalarAsync($"SELECT count(*) FROM ({sql}) AS q", ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
