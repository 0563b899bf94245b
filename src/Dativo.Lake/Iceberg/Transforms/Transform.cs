using System.Globalization;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Transforms;

/// <summary>A partition transform (spec "Partition Transforms"). Values use the representation of <see cref="Conversions"/>.</summary>
public abstract class Transform
{
    public static Transform Identity { get; } = new IdentityTransform();
    public static Transform Void { get; } = new VoidTransform();
    public static Transform Year { get; } = new TimeTransform(TimeUnit.Year);
    public static Transform Month { get; } = new TimeTransform(TimeUnit.Month);
    public static Transform Day { get; } = new TimeTransform(TimeUnit.Day);
    public static Transform Hour { get; } = new TimeTransform(TimeUnit.Hour);

    public static Transform Bucket(int n) => new BucketTransform(n);

    public static Transform Truncate(int width) => new TruncateTransform(width);

    public static Transform Parse(string text)
    {
        var s = text.Trim();
        switch (s)
        {
            case "identity": return Identity;
            case "void": return Void;
            case "year": return Year;
            case "month": return Month;
            case "day": return Day;
            case "hour": return Hour;
        }
        if (s.StartsWith("bucket[", StringComparison.Ordinal) && s.EndsWith(']'))
            return Bucket(int.Parse(s[7..^1], CultureInfo.InvariantCulture));
        if (s.StartsWith("truncate[", StringComparison.Ordinal) && s.EndsWith(']'))
            return Truncate(int.Parse(s[9..^1], CultureInfo.InvariantCulture));
        return new UnknownTransform(s);
    }

    /// <summary>Applies the transform; null in, null out.</summary>
    public abstract object? Apply(PrimitiveType source, object? value);

    public abstract PrimitiveType ResultType(PrimitiveType source);

    /// <summary>True when a &lt; b implies t(a) &lt;= t(b), so range predicates can be projected.</summary>
    public virtual bool PreservesOrder => false;

    public virtual bool CanProjectEquality => true;

    /// <summary>Human-readable partition value for paths (e.g. <c>2024-01</c> for month).</summary>
    public virtual string ToHumanString(PrimitiveType source, object? value) => Conversions.ToHumanString(ResultType(source), value);

    public override bool Equals(object? obj) => obj is Transform t && t.ToString() == ToString();

    public override int GetHashCode() => ToString()!.GetHashCode(StringComparison.Ordinal);
}

internal sealed class IdentityTransform : Transform
{
    public override object? Apply(PrimitiveType source, object? value) => value;

    public override PrimitiveType ResultType(PrimitiveType source) => source;

    public override bool PreservesOrder => true;

    public override string ToString() => "identity";
}

internal sealed class VoidTransform : Transform
{
    public override object? Apply(PrimitiveType source, object? value) => null;

    public override PrimitiveType ResultType(PrimitiveType source) => source;

    public override bool CanProjectEquality => false;

    public override string ToString() => "void";
}

/// <summary>A transform this implementation does not know: ignored for filtering, refused for writing.</summary>
internal sealed class UnknownTransform(string name) : Transform
{
    public override object? Apply(PrimitiveType source, object? value) =>
        throw new NotSupportedException($"cannot write with unknown partition transform '{name}'");

    public override PrimitiveType ResultType(PrimitiveType source) => IcebergType.String;

    public override bool CanProjectEquality => false;

    public override string ToString() => name;
}
