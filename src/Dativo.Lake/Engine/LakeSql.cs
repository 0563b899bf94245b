using Dativo.Core.Errors;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Scan;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Engine;

/// <summary>One input of a lake query: view <paramref name="View"/> over table <paramref name="Table"/>, optionally one day of <paramref name="DayColumn"/>.</summary>
public sealed record LakeInput(string View, TableIdentifier Table, string? DayColumn = null, DateOnly? Day = null);

/// <summary>What <see cref="LakeSql.WriteAsync"/> committed.</summary>
public sealed record LakeWriteResult(TableIdentifier Table, long Rows, long? SnapshotId, bool Created, DateOnly? RunDate, int RemovedDataFiles);

/// <summary>
/// SQL over the lake: Iceberg tables registered as DuckDB views from a planned scan (the day filter prunes files
/// by partition and column bounds before DuckDB sees them), and query results written into Iceberg tables
/// partitioned by <see cref="RunDateColumn"/>, replacing that run date only — so history is kept and re-runs of
/// a day are idempotent (same rows, one new snapshot).
/// </summary>
public static class LakeSql
{
    public const string RunDateColumn = "run_date";

    /// <summary>Checks every input before anything runs: the table exists and has the day column.</summary>
    public static async Task<IReadOnlyList<IcebergTable>> OpenInputsAsync(LakeWarehouse lake, IReadOnlyList<LakeInput> inputs, CancellationToken ct)
    {
        var tables = new List<IcebergTable>();
        foreach (var input in inputs)
        {
            var table = await lake.OpenTableAsync(input.Table, ct).ConfigureAwait(false);
            if (input.DayColumn is { } col && table.Schema.FindField(col) is null)
                throw new DativoException($"input '{input.View}': table {input.Table} has no column '{col}' to filter the day on (columns: {string.Join(", ", table.Schema.Columns.Select(c => c.Name))})");
            tables.Add(table);
        }
        return tables;
    }

    /// <summary>Registers each input as a view over its table's live rows (the day pushed into the scan).</summary>
    public static async Task RegisterInputsAsync(DuckDbEngine engine, LakeWarehouse lake, IReadOnlyList<LakeInput> inputs, CancellationToken ct)
    {
        var tables = await OpenInputsAsync(lake, inputs, ct).ConfigureAwait(false);
        for (var i = 0; i < inputs.Count; i++)
            await RegisterTableAsync(engine, inputs[i].View, tables[i], DayFilter(inputs[i]), ct).ConfigureAwait(false);
    }

    /// <summary>Creates (or replaces) view <paramref name="view"/> over the live rows of <paramref name="table"/> matching <paramref name="filter"/>.</summary>
    public static async Task RegisterTableAsync(DuckDbEngine engine, string view, IcebergTable table, Expr? filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(table);
        await engine.RegisterViewAsync(view, await LakeViews.SqlAsync(table, filter, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    public static Expr? DayFilter(LakeInput input) =>
        input.DayColumn is { } col && input.Day is { } day ? Expr.Eq(col, day) : null;

    /// <summary>
    /// Runs <paramref name="query"/> and writes its rows to <paramref name="output"/>: created on first use with the
    /// result's columns plus <see cref="RunDateColumn"/> (identity partition) and <paramref name="properties"/>;
    /// then the rows of <paramref name="runDate"/> are replaced in one snapshot. Without a run date the table is
    /// unpartitioned and replaced as a whole.
    /// </summary>
    public static async Task<LakeWriteResult> WriteAsync(DuckDbEngine engine, string query, LakeWarehouse lake, TableIdentifier output, DateOnly? runDate,
        IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(lake);
        var shape = await ShapeAsync(engine, query, ct).ConfigureAwait(false);
        var created = false;
        IcebergTable table;
        if (await lake.ExistsAsync(output, ct).ConfigureAwait(false))
        {
            table = await lake.OpenTableAsync(output, ct).ConfigureAwait(false);
            if ((runDate is null) != (table.Schema.FindField(RunDateColumn) is null))
                throw new DativoException(runDate is null
                    ? $"table {output} is partitioned by {RunDateColumn}: give a run date"
                    : $"table {output} has no {RunDateColumn} column (it was written without a run date): write to another table");
        }
        else
        {
            table = await CreateAsync(lake, output, shape, runDate is not null, properties, ct).ConfigureAwait(false);
            created = true;
        }
        var constants = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (runDate is { } rd) constants[RunDateColumn] = rd;
        ResultBatches.CheckColumns(table.Schema, shape, constants, output.ToString());
        if (await DuckDbDataFiles.TryReplaceAsync(engine, table, query, runDate, lake.Time, ct).ConfigureAwait(false) is { } fast)
            return new LakeWriteResult(output, fast.AddedRecords, fast.SnapshotId, created, runDate, fast.RemovedDataFiles);
        var result = await engine.QueryAsync(query, ct: ct).ConfigureAwait(false);
        var batch = ResultBatches.ToBatch(table.Schema, result, constants, output.ToString());
        var filter = runDate is { } d ? Expr.Eq(RunDateColumn, d) : Expr.True;
        var commit = await table.OverwriteAsync(filter, [batch], ct).ConfigureAwait(false);
        return new LakeWriteResult(output, batch.RowCount, commit.SnapshotId, created, runDate, commit.RemovedDataFiles);
    }

    /// <summary>The result's columns without running the query; types from DESCRIBE (the reader's type names lack decimal precision).</summary>
    private static async Task<QueryResult> ShapeAsync(DuckDbEngine engine, string query, CancellationToken ct)
    {
        var empty = await engine.QueryAsync($"SELECT * FROM (\n{query}\n) AS q LIMIT 0", ct: ct).ConfigureAwait(false);
        var described = await engine.QueryAsync($"DESCRIBE SELECT * FROM (\n{query}\n) AS q", ct: ct).ConfigureAwait(false);
        var columns = empty.Columns.Select((c, i) => i < described.Rows.Count && described.Rows[i][1] is string type ? c with { DuckDbType = type } : c).ToList();
        return new QueryResult(columns, []);
    }

    private static async Task<IcebergTable> CreateAsync(LakeWarehouse lake, TableIdentifier output, QueryResult result, bool byRunDate,
        IReadOnlyDictionary<string, string>? properties, CancellationToken ct)
    {
        if (result.Columns.Any(c => string.Equals(c.Name, RunDateColumn, StringComparison.OrdinalIgnoreCase)) && byRunDate)
            throw new DativoException($"the query returns a column '{RunDateColumn}', which the output table adds itself: rename it");
        var schema = ResultBatches.SchemaOf(result, byRunDate ? [(RunDateColumn, IcebergType.Date)] : []);
        var spec = byRunDate ? new PartitionSpecBuilder(schema).Identity(RunDateColumn).Build() : PartitionSpec.Unpartitioned;
        try
        {
            return await IcebergTables.CreateAsync(lake.Catalog, lake.Store, output, schema,
                new CreateTableOptions { PartitionSpec = spec, Properties = properties, Time = lake.Time }, ct).ConfigureAwait(false);
        }
        catch (DativoException)
        {
            if (!await lake.ExistsAsync(output, ct).ConfigureAwait(false)) throw;
            return await lake.OpenTableAsync(output, ct).ConfigureAwait(false); // created meanwhile by a concurrent writer
        }
    }
}
