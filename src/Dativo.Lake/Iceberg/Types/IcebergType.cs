namespace Dativo.Lake.Iceberg.Types;

/// <summary>Iceberg type ids (spec "Schemas and Data Types").</summary>
public enum TypeId
{
    Boolean, Int, Long, Float, Double, Decimal, Date, Time, Timestamp, TimestampTz,
    TimestampNs, TimestampTzNs, String, Uuid, Fixed, Binary, Struct, List, Map, Unknown,
}

/// <summary>An Iceberg type: primitive, struct, list or map.</summary>
public abstract record IcebergType(TypeId Id)
{
    public bool IsPrimitive => this is PrimitiveType;

    public static PrimitiveType Boolean { get; } = new(TypeId.Boolean);
    public static PrimitiveType Int { get; } = new(TypeId.Int);
    public static PrimitiveType Long { get; } = new(TypeId.Long);
    public static PrimitiveType Float { get; } = new(TypeId.Float);
    public static PrimitiveType Double { get; } = new(TypeId.Double);
    public static PrimitiveType Date { get; } = new(TypeId.Date);
    public static PrimitiveType Time { get; } = new(TypeId.Time);
    public static PrimitiveType Timestamp { get; } = new(TypeId.Timestamp);
    public static PrimitiveType TimestampTz { get; } = new(TypeId.TimestampTz);
    public static PrimitiveType String { get; } = new(TypeId.String);
    public static PrimitiveType Uuid { get; } = new(TypeId.Uuid);
    public static PrimitiveType Binary { get; } = new(TypeId.Binary);
    public static PrimitiveType Decimal(int precision, int scale) => new(TypeId.Decimal, precision, scale);
    public static PrimitiveType Fixed(int length) => new(TypeId.Fixed, Length: length);
}

/// <summary>A primitive type; <see cref="Precision"/>/<see cref="Scale"/> for decimal, <see cref="Length"/> for fixed.</summary>
public sealed record PrimitiveType(TypeId Id, int Precision = 0, int Scale = 0, int Length = 0) : IcebergType(Id)
{
    public override string ToString() => Id switch
    {
        TypeId.Decimal => $"decimal({Precision}, {Scale})",
        TypeId.Fixed => $"fixed[{Length}]",
        TypeId.TimestampTz => "timestamptz",
        TypeId.TimestampNs => "timestamp_ns",
        TypeId.TimestampTzNs => "timestamptz_ns",
        _ => Id.ToString().ToLowerInvariant(),
    };
}

/// <summary>A struct field (also a table column). Ids are unique across the whole schema.</summary>
public sealed record NestedField(int Id, string Name, bool Required, IcebergType Type, string? Doc = null)
{
    public static NestedField Optional(int id, string name, IcebergType type, string? doc = null) => new(id, name, false, type, doc);
    public static NestedField Require(int id, string name, IcebergType type, string? doc = null) => new(id, name, true, type, doc);
}

public sealed record StructType(IReadOnlyList<NestedField> Fields) : IcebergType(TypeId.Struct)
{
    public NestedField? Field(int id) => Fields.FirstOrDefault(f => f.Id == id);

    public bool Equals(StructType? other) => other is not null && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => Fields.Count;
}

public sealed record ListType(int ElementId, IcebergType Element, bool ElementRequired) : IcebergType(TypeId.List);

public sealed record MapType(int KeyId, IcebergType Key, int ValueId, IcebergType Value, bool ValueRequired) : IcebergType(TypeId.Map);
