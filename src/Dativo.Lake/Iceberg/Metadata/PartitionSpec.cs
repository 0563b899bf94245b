using Dativo.Lake.Iceberg.Transforms;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Metadata;

/// <summary>One partition field: source column id, partition field id (≥ 1000), name, transform.</summary>
public sealed record PartitionField(int SourceId, int FieldId, string Name, Transform Transform);

/// <summary>A partition spec; spec id 0 with no fields is the unpartitioned spec.</summary>
public sealed record PartitionSpec(int SpecId, IReadOnlyList<PartitionField> Fields)
{
    public const int FirstFieldId = 1000;

    public static PartitionSpec Unpartitioned { get; } = new(0, []);

    public bool IsUnpartitioned => Fields.All(f => f.Transform.ToString() == "void");

    /// <summary>The partition tuple's struct type (field ids are partition field ids).</summary>
    public StructType PartitionType(IcebergSchema schema) => new([.. Fields.Select(f =>
        NestedField.Optional(f.FieldId, f.Name, f.Transform.ResultType(SourceType(schema, f))))]);

    public static PrimitiveType SourceType(IcebergSchema schema, PartitionField f) =>
        schema.FindField(f.SourceId)?.Type as PrimitiveType ?? IcebergType.Int;

    public bool Equals(PartitionSpec? other) => other is not null && SpecId == other.SpecId && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => SpecId;

    /// <summary>Same fields (ignoring the spec id): the spec's "equivalent" rule.</summary>
    public bool IsEquivalent(PartitionSpec other) => Fields.Count == other.Fields.Count &&
        Fields.Zip(other.Fields).All(p => p.First.SourceId == p.Second.SourceId && p.First.Name == p.Second.Name && p.First.Transform.Equals(p.Second.Transform));

    /// <summary>Path fragment <c>name=value/...</c> for a partition tuple.</summary>
    public string PartitionPath(IcebergSchema schema, IReadOnlyList<object?> values) =>
        string.Join('/', Fields.Select((f, i) => Uri.EscapeDataString(f.Name) + "=" +
            Uri.EscapeDataString(f.Transform.ToHumanString(SourceType(schema, f), values[i]))));
}

/// <summary>Builds specs by column name; assigns field ids from 1000 (or after the table's last partition id).</summary>
public sealed class PartitionSpecBuilder(IcebergSchema schema, int specId = 0, int lastPartitionId = PartitionSpec.FirstFieldId - 1)
{
    private readonly List<PartitionField> _fields = [];
    private int _next = lastPartitionId + 1;

    public PartitionSpecBuilder Identity(string column) => Add(column, Transform.Identity, column);
    public PartitionSpecBuilder Year(string column) => Add(column, Transform.Year, column + "_year");
    public PartitionSpecBuilder Month(string column) => Add(column, Transform.Month, column + "_month");
    public PartitionSpecBuilder Day(string column) => Add(column, Transform.Day, column + "_day");
    public PartitionSpecBuilder Hour(string column) => Add(column, Transform.Hour, column + "_hour");
    public PartitionSpecBuilder Bucket(string column, int n) => Add(column, Transform.Bucket(n), column + "_bucket");
    public PartitionSpecBuilder Truncate(string column, int width) => Add(column, Transform.Truncate(width), column + "_trunc");
    public PartitionSpecBuilder Void(string column) => Add(column, Transform.Void, column + "_null");

    public PartitionSpecBuilder Add(string column, Transform transform, string name)
    {
        var source = schema.FindField(column) ?? throw new Core.Errors.DativoException($"partition source column '{column}' is not in the schema");
        if (source.Type is not PrimitiveType)
            throw new Core.Errors.DativoException($"partition source column '{column}' must be a primitive type, not {source.Type.Id}");
        if (_fields.Any(f => f.Name == name))
            throw new Core.Errors.DativoException($"partition field name '{name}' is used twice");
        _fields.Add(new PartitionField(source.Id, _next++, name, transform));
        return this;
    }

    public PartitionSpec Build() => new(specId, [.. _fields]);
}
