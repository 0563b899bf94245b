using Dativo.Core.Errors;
using Dativo.Lake.Iceberg.Manifests;
using Dativo.Lake.Iceberg.Metadata;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Scan;

/// <summary>A predicate bound to a field of the current schema, literal converted to the field type.</summary>
internal sealed record BoundPredicate(NestedField Field, PrimitiveType Type, Op Op, object? Literal)
{
    public static IReadOnlyList<BoundPredicate> Bind(Expr filter, IcebergSchema schema) => [.. filter.Conjuncts().Select(p =>
    {
        var f = schema.FindField(p.Column) ?? throw new DativoException($"filter column '{p.Column}' is not in the table schema");
        if (f.Type is not PrimitiveType t) throw new DativoException($"filter column '{p.Column}' is not a primitive column");
        var lit = Conversions.Normalize(t, p.Literal);
        if (p.Op is not (Op.IsNull or Op.NotNull) && lit is null) throw new DativoException($"filter on '{p.Column}' needs a value");
        return new BoundPredicate(f, t, p.Op, lit);
    })];

    public bool Test(object? value) => Op switch
    {
        Op.IsNull => value is null,
        Op.NotNull => value is not null,
        _ when value is null => false,
        Op.Eq => Conversions.Compare(value, Literal!) == 0,
        Op.NotEq => Conversions.Compare(value, Literal!) != 0,
        Op.Lt => Conversions.Compare(value, Literal!) < 0,
        Op.LtEq => Conversions.Compare(value, Literal!) <= 0,
        Op.Gt => Conversions.Compare(value, Literal!) > 0,
        _ => Conversions.Compare(value, Literal!) >= 0,
    };
}

/// <summary>
/// File pruning: <see cref="MightMatch"/> is the inclusive test (partition projection + column bounds),
/// <see cref="AllMatch"/> the strict one (every row of the file matches).
/// </summary>
internal static class Evaluators
{
    public static bool MightMatch(IReadOnlyList<BoundPredicate> preds, DataFile file, PartitionSpec spec, IcebergSchema schema)
    {
        foreach (var p in preds)
        {
            if (!PartitionMightMatch(p, file, spec, schema)) return false;
            if (!MetricsMightMatch(p, file)) return false;
        }
        return true;
    }

    private static bool PartitionMightMatch(BoundPredicate p, DataFile file, PartitionSpec spec, IcebergSchema schema)
    {
        for (var i = 0; i < spec.Fields.Count && i < file.Partition.Count; i++)
        {
            var pf = spec.Fields[i];
            if (pf.SourceId != p.Field.Id) continue;
            var t = pf.Transform;
            var value = file.Partition[i];
            var sourceType = PartitionSpec.SourceType(schema, pf);
            switch (p.Op)
            {
                case Op.IsNull:
                    if (t.ToString() != "void" && t.CanProjectEquality && value is not null) return false;
                    continue;
                case Op.NotNull:
                    if (t.CanProjectEquality && t.ToString() != "void" && value is null) return false;
                    continue;
                case Op.NotEq:
                    continue;
            }
            if (!t.CanProjectEquality || t.ToString() == "void") continue;
            object? projected;
            try { projected = t.Apply(sourceType, p.Literal); } catch (NotSupportedException) { continue; }
            if (value is null) return false; // partition null → all rows null → comparison false
            var c = Conversions.Compare(value, projected!);
            var ok = p.Op switch
            {
                Op.Eq => c == 0,
                _ when !t.PreservesOrder => true,
                Op.Lt or Op.LtEq => c <= 0,
                Op.Gt or Op.GtEq => c >= 0,
                _ => true,
            };
            if (!ok) return false;
        }
        return true;
    }

    private static bool MetricsMightMatch(BoundPredicate p, DataFile file)
    {
        var id = p.Field.Id;
        long? nulls = file.NullValueCounts?.TryGetValue(id, out var n) == true ? n : null;
        long? values = file.ValueCounts?.TryGetValue(id, out var v) == true ? v : null;
        switch (p.Op)
        {
            case Op.IsNull: return nulls is null || nulls > 0;
            case Op.NotNull: return nulls is null || values is null || nulls < values;
            case Op.NotEq: return true;
        }
        if (nulls is { } nn && values is { } vv && vv > 0 && nn == vv) return false;
        var lower = Bound(file.LowerBounds, id, p.Type);
        var upper = Bound(file.UpperBounds, id, p.Type);
        // string/binary bounds may be truncated prefixes: still valid as inclusive bounds
        return p.Op switch
        {
            Op.Eq => (lower is null || Conversions.Compare(p.Literal!, lower) >= 0) && (upper is null || Conversions.Compare(p.Literal!, upper) <= 0),
            Op.Lt => lower is null || Conversions.Compare(lower, p.Literal!) < 0,
            Op.LtEq => lower is null || Conversions.Compare(lower, p.Literal!) <= 0,
            Op.Gt => upper is null || Conversions.Compare(upper, p.Literal!) > 0,
            Op.GtEq => upper is null || Conversions.Compare(upper, p.Literal!) >= 0,
            _ => true,
        };
    }

    public static bool AllMatch(IReadOnlyList<BoundPredicate> preds, DataFile file, PartitionSpec spec)
    {
        foreach (var p in preds)
        {
            if (IdentityPartitionMatches(p, file, spec)) continue;
            if (!MetricsAllMatch(p, file)) return false;
        }
        return true;
    }

    private static bool IdentityPartitionMatches(BoundPredicate p, DataFile file, PartitionSpec spec)
    {
        for (var i = 0; i < spec.Fields.Count && i < file.Partition.Count; i++)
            if (spec.Fields[i].SourceId == p.Field.Id && spec.Fields[i].Transform.ToString() == "identity")
                return p.Test(file.Partition[i]);
        return false;
    }

    private static bool MetricsAllMatch(BoundPredicate p, DataFile file)
    {
        var id = p.Field.Id;
        long? nulls = file.NullValueCounts?.TryGetValue(id, out var n) == true ? n : null;
        long? values = file.ValueCounts?.TryGetValue(id, out var v) == true ? v : null;
        if (p.Op == Op.IsNull) return nulls is not null && values is not null && nulls == values;
        if (p.Op == Op.NotNull) return nulls == 0;
        if (nulls != 0) return false;
        if (p.Type.Id is TypeId.String or TypeId.Binary or TypeId.Fixed or TypeId.Float or TypeId.Double) return false; // truncated bounds / NaN
        var lower = Bound(file.LowerBounds, id, p.Type);
        var upper = Bound(file.UpperBounds, id, p.Type);
        if (lower is null || upper is null) return false;
        return p.Op switch
        {
            Op.Eq => Conversions.Compare(lower, p.Literal!) == 0 && Conversions.Compare(upper, p.Literal!) == 0,
            Op.NotEq => Conversions.Compare(upper, p.Literal!) < 0 || Conversions.Compare(lower, p.Literal!) > 0,
            Op.Lt => Conversions.Compare(upper, p.Literal!) < 0,
            Op.LtEq => Conversions.Compare(upper, p.Literal!) <= 0,
            Op.Gt => Conversions.Compare(lower, p.Literal!) > 0,
            Op.GtEq => Conversions.Compare(lower, p.Literal!) >= 0,
            _ => false,
        };
    }

    private static object? Bound(IReadOnlyDictionary<int, byte[]>? bounds, int id, PrimitiveType type) =>
        bounds is not null && bounds.TryGetValue(id, out var b) ? Conversions.FromBytes(type, b) : null;

    /// <summary>Partition tuples equal (spec note 3: floats by bits, binary by content).</summary>
    public static bool SamePartition(DataFile a, DataFile b)
    {
        if (a.SpecId != b.SpecId || a.Partition.Count != b.Partition.Count) return false;
        for (var i = 0; i < a.Partition.Count; i++)
        {
            var x = a.Partition[i];
            var y = b.Partition[i];
            if (x is null || y is null)
            {
                if (x is null != y is null) return false;
                continue;
            }
            if (x is byte[] bx ? !bx.AsSpan().SequenceEqual((byte[])y) : Conversions.Compare(x, y) != 0) return false;
        }
        return true;
    }
}
