using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Table;

/// <summary>
/// Schema changes recorded by name and applied to the current schema at commit time (so a retry re-applies them
/// to the newest schema). Allowed: add optional columns, rename, widen int→long, float→double, decimal(P,S)→decimal(P',S)
/// with P' ≥ P, make optional, drop (not partition sources).
/// </summary>
public sealed class SchemaUpdate
{
    private readonly List<Func<List<NestedField>, Func<int>, IcebergSchema, TableMetadata, List<NestedField>>> _changes = [];

    public SchemaUpdate AddColumn(string name, IcebergType type, bool required = false, string? doc = null)
    {
        _changes.Add((cols, nextId, _, table) =>
        {
            if (cols.Any(c => c.Name == name)) throw new DativoException($"cannot add column '{name}': a column with that name exists");
            if (required)
                throw new DativoException($"cannot add required column '{name}' without a default value: existing rows have no value for it; add it as optional");
            cols.Add(new NestedField(nextId(), name, false, Reassign(type, nextId), doc));
            return cols;
        });
        return this;
    }

    public SchemaUpdate RenameColumn(string name, string newName)
    {
        _changes.Add((cols, _, _, _) =>
        {
            var i = IndexOf(cols, name);
            if (cols.Any(c => c.Name == newName)) throw new DativoException($"cannot rename '{name}' to '{newName}': a column with that name exists");
            cols[i] = cols[i] with { Name = newName };
            return cols;
        });
        return this;
    }

    public SchemaUpdate UpdateColumnType(string name, PrimitiveType newType)
    {
        _changes.Add((cols, _, _, _) =>
        {
            var i = IndexOf(cols, name);
            if (cols[i].Type is not PrimitiveType old || !IsWidening(old, newType))
                throw new DativoException($"cannot change column '{name}' from {cols[i].Type} to {newType}: only int→long, float→double and decimal precision widening (same scale) are allowed");
            cols[i] = cols[i] with { Type = newType };
            return cols;
        });
        return this;
    }

    public SchemaUpdate MakeOptional(string name)
    {
        _changes.Add((cols, _, _, _) =>
        {
            var i = IndexOf(cols, name);
            cols[i] = cols[i] with { Required = false };
            return cols;
        });
        return this;
    }

    public SchemaUpdate DropColumn(string name)
    {
        _changes.Add((cols, _, _, table) =>
        {
            var i = IndexOf(cols, name);
            if (table.PartitionSpecs.SelectMany(s => s.Fields).Any(f => f.SourceId == cols[i].Id))
                throw new DativoException($"cannot drop column '{name}': it is a partition source");
            cols.RemoveAt(i);
            return cols;
        });
        return this;
    }

    public static bool IsWidening(PrimitiveType from, PrimitiveType to) =>
        from == to
        || (from.Id == TypeId.Int && to.Id == TypeId.Long)
        || (from.Id == TypeId.Float && to.Id == TypeId.Double)
        || (from.Id == TypeId.Decimal && to.Id == TypeId.Decimal && to.Scale == from.Scale && to.Precision >= from.Precision);

    private static int IndexOf(List<NestedField> cols, string name)
    {
        var i = cols.FindIndex(c => c.Name == name);
        return i >= 0 ? i : throw new DativoException($"column '{name}' does not exist");
    }

    private static IcebergType Reassign(IcebergType t, Func<int> nextId) => t switch
    {
        StructType s => new StructType([.. s.Fields.Select(f => f with { Id = nextId(), Type = Reassign(f.Type, nextId) })]),
        ListType l => new ListType(nextId(), Reassign(l.Element, nextId), l.ElementRequired),
        MapType m => new MapType(nextId(), Reassign(m.Key, nextId), nextId(), Reassign(m.Value, nextId), m.ValueRequired),
        _ => t,
    };

    internal TableMetadata Apply(TableMetadata table)
    {
        var current = table.CurrentSchema;
        var cols = current.Columns.ToList();
        var last = table.LastColumnId;
        int Next() => ++last;
        foreach (var c in _changes) cols = c(cols, Next, current, table);
        var candidate = new IcebergSchema(0, cols, current.IdentifierFieldIds);
        var existing = table.Schemas.FirstOrDefault(s => s.Columns.SequenceEqual(cols));
        if (existing is not null) return table with { CurrentSchemaId = existing.SchemaId, LastColumnId = Math.Max(table.LastColumnId, last) };
        var id = table.Schemas.Max(s => s.SchemaId) + 1;
        return table with
        {
            Schemas = [.. table.Schemas, candidate.WithId(id)],
            CurrentSchemaId = id,
            LastColumnId = Math.Max(table.LastColumnId, last),
        };
    }
}
