using Dativo.Lake.Iceberg.Transforms;

namespace Dativo.Lake.Iceberg.Metadata;

public enum SortDirection { Asc, Desc }

public enum NullOrder { NullsFirst, NullsLast }

public sealed record SortField(int SourceId, Transform Transform, SortDirection Direction, NullOrder NullOrder);

/// <summary>A sort order; order id 0 is reserved for "unsorted".</summary>
public sealed record SortOrder(int OrderId, IReadOnlyList<SortField> Fields)
{
    public static SortOrder Unsorted { get; } = new(0, []);

    public bool Equals(SortOrder? other) => other is not null && OrderId == other.OrderId && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => OrderId;
}
