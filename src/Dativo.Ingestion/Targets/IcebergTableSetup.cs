using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Ingestion.Schema;
using Dativo.Lake.Catalog;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Table;
using Dativo.Lake.Iceberg.Transforms;
using Dativo.Lake.Iceberg.Types;
using Dativo.Lake.Storage;

namespace Dativo.Ingestion.Targets;

/// <summary>Table creation and evolution rules: partition spec from the job, contract columns aligned to existing field ids, managed properties.</summary>
internal static class IcebergTableSetup
{
    public const string ManagedPropertiesKey = "dativo.managed-properties";

    public static PartitionSpec SpecFor(LoadedJob job, IcebergSchema schema)
    {
        var b = new PartitionSpecBuilder(schema);
        foreach (var text in job.Partitioning)
        {
            var p = Partitioning.Parse(text) ?? throw new DativoException($"target.partitioning: '{text}' is not a partition expression (col, day(col), bucket(16, col), ...)");
            if (schema.FindField(p.Column) is null)
                throw new DativoException($"target.partitioning: column '{p.Column}' is not in the contract of {job.Contract.Name}; add it to the contract or remove the partition");
            switch (p.Transform)
            {
                case "identity": b.Identity(p.Column); break;
                case "year": b.Year(p.Column); break;
                case "month": b.Month(p.Column); break;
                case "day": b.Day(p.Column); break;
                case "hour": b.Hour(p.Column); break;
                case "bucket": b.Bucket(p.Column, p.Argument!.Value); break;
                case "truncate": b.Truncate(p.Column, p.Argument!.Value); break;
                default: b.Add(p.Column, Transform.Parse(p.Transform), p.Column + "_" + p.Transform); break;
            }
        }
        return b.Build();
    }

    /// <summary>
    /// Aligns the contract schema to the table: same names keep their field ids (and the table's type when it is
    /// wider); table columns the contract no longer has are written as nulls. Contract columns the table lacks are
    /// returned in <c>Added</c> (the caller adds them as optional columns and aligns again).
    /// </summary>
    public static (TargetSchema Schema, IReadOnlyList<TargetColumn> Added) Align(TargetSchema contract, TableMetadata meta)
    {
        var current = meta.CurrentSchema;
        var cols = new List<TargetColumn>();
        var added = new List<TargetColumn>();
        foreach (var c in contract.Columns)
        {
            var existing = current.Columns.FirstOrDefault(f => f.Name == c.Name);
            if (existing is null)
            {
                added.Add(c with { Required = false });
                continue;
            }
            var want = TargetSchema.IcebergTypeOf(c);
            if (!Compatible(existing.Type, want))
                throw new DativoException($"column '{c.Name}' is {existing.Type} in the table but {want} in the contract; " +
                    "Dativo only widens int→long, float→double and decimal precision: create a new table or a new column");
            var kind = existing.Type is PrimitiveType { Id: TypeId.Long } && c.Kind == ColumnKind.Int ? ColumnKind.Long : c.Kind;
            cols.Add(c with { FieldId = existing.Id, Kind = kind, Required = existing.Required && c.Required });
        }
        foreach (var f in current.Columns.Where(f => contract.IndexOf(f.Name) < 0))
        {
            if (f.Required) throw new DativoException($"table column '{f.Name}' is required but the contract no longer has it; put it back in the contract");
            if (f.Type is PrimitiveType p) cols.Add(new TargetColumn(f.Id, f.Name, KindOf(p), false, p.Precision, p.Scale) { Generated = true });
        }
        return (new TargetSchema(cols, contract.WarnMode), added);
    }

    /// <summary>Same type, or <paramref name="have"/> is a widening of <paramref name="want"/> (long/int, double/float, wider decimal).</summary>
    public static bool Compatible(IcebergType have, IcebergType want) => have.Equals(want) ||
        (have is PrimitiveType h && want is PrimitiveType w &&
         ((h.Id == TypeId.Long && w.Id == TypeId.Int) || (h.Id == TypeId.Double && w.Id == TypeId.Float) ||
          (h.Id == TypeId.Decimal && w.Id == TypeId.Decimal && h.Scale == w.Scale && h.Precision >= w.Precision)));

    private static ColumnKind KindOf(PrimitiveType p) => p.Id switch
    {
        TypeId.Long => ColumnKind.Long,
        TypeId.Int => ColumnKind.Int,
        TypeId.Double => ColumnKind.Double,
        TypeId.Decimal => ColumnKind.Decimal,
        TypeId.Boolean => ColumnKind.Boolean,
        TypeId.Date => ColumnKind.Date,
        TypeId.Timestamp => ColumnKind.Timestamp,
        TypeId.TimestampTz => ColumnKind.TimestampTz,
        TypeId.Time => ColumnKind.Time,
        TypeId.Binary => ColumnKind.Binary,
        _ => ColumnKind.String,
    };

    /// <summary>
    /// Opens table <paramref name="id"/>, creating it from <paramref name="schema"/> (its namespace too) when missing; a
    /// table created meanwhile by another writer is used as it is. Ingestion targets and delivery streams create tables here.
    /// </summary>
    public static async Task<IcebergTable> OpenOrCreateAsync(ICatalog catalog, IObjectStore store, TableIdentifier id, IcebergSchema schema,
        Func<IcebergSchema, PartitionSpec> spec, IReadOnlyDictionary<string, string> derivedProperties, TimeProvider time, CancellationToken ct)
    {
        if (await catalog.LoadMetadataLocationAsync(id, ct).ConfigureAwait(false) is null)
        {
            try { await catalog.CreateNamespaceAsync(id.Namespace, null, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException) { /* exists */ }
            try
            {
                return await IcebergTables.CreateAsync(catalog, store, id, schema, new CreateTableOptions
                {
                    PartitionSpec = spec(schema),
                    Properties = MergeProperties(new Dictionary<string, string>(), derivedProperties),
                    Location = store.UriOf($"{id.Namespace}/{id.Name}"),
                    Time = time,
                }, ct).ConfigureAwait(false);
            }
            catch (DativoException)
            {
                // created concurrently by another writer: use theirs
                if (await catalog.LoadMetadataLocationAsync(id, ct).ConfigureAwait(false) is null) throw;
            }
        }
        return await IcebergTables.OpenAsync(catalog, store, id, time, ct: ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the contract columns the table lacks, sets the derived properties (keeping the user's), and returns the
    /// schema the coercer must produce: the contract aligned to the table's field ids.
    /// </summary>
    public static async Task<TargetSchema> AlignTableAsync(IcebergTable table, TargetSchema contractSchema, IReadOnlyDictionary<string, string> derivedProperties, CancellationToken ct)
    {
        var (_, added) = Align(contractSchema, table.Metadata);
        if (added.Count > 0)
            await table.UpdateSchemaAsync(u => { foreach (var c in added) u.AddColumn(c.Name, TargetSchema.IcebergTypeOf(c)); }, ct).ConfigureAwait(false);
        var current = table.Metadata.Properties;
        var merged = MergeProperties(current, derivedProperties);
        var set = merged.Where(kv => !current.TryGetValue(kv.Key, out var v) || v != kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value);
        var remove = current.Keys.Where(k => !merged.ContainsKey(k)).ToList();
        if (set.Count > 0 || remove.Count > 0)
            await table.SetPropertiesAsync(set, remove, ct).ConfigureAwait(false);
        return Align(contractSchema, table.Metadata).Schema;
    }

    /// <summary>Table properties after this run: derived tags set, keys Dativo set before but no longer derives removed, user keys kept.</summary>
    public static Dictionary<string, string> MergeProperties(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> derived)
    {
        var result = new Dictionary<string, string>(current, StringComparer.Ordinal);
        if (current.TryGetValue(ManagedPropertiesKey, out var managed))
            foreach (var k in managed.Split(',', StringSplitOptions.RemoveEmptyEntries)) result.Remove(k);
        foreach (var (k, v) in derived) result[k] = v;
        result[ManagedPropertiesKey] = string.Join(',', derived.Keys.Order(StringComparer.Ordinal));
        return result;
    }
}
