using System.Globalization;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Transforms;

internal enum TimeUnit { Year, Month, Day, Hour }

/// <summary><c>year</c>, <c>month</c>, <c>day</c>, <c>hour</c>: whole units since 1970-01-01 00:00 (floor for negatives).</summary>
internal sealed class TimeTransform(TimeUnit unit) : Transform
{
    private const long MicrosPerDay = 86_400_000_000L;
    private const long MicrosPerHour = 3_600_000_000L;

    public TimeUnit Unit { get; } = unit;

    public override object? Apply(PrimitiveType source, object? value)
    {
        if (value is null) return null;
        long micros;
        switch (source.Id)
        {
            case TypeId.Date:
                if (Unit == TimeUnit.Hour) throw new NotSupportedException("hour transform does not apply to date");
                return FromDays(Convert.ToInt32(value, CultureInfo.InvariantCulture));
            case TypeId.Timestamp or TypeId.TimestampTz:
                micros = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                break;
            case TypeId.TimestampNs or TypeId.TimestampTzNs:
                micros = FloorDiv(Convert.ToInt64(value, CultureInfo.InvariantCulture), 1000);
                break;
            default:
                throw new NotSupportedException($"{this} transform does not apply to {source}");
        }
        return Unit == TimeUnit.Hour ? (int)FloorDiv(micros, MicrosPerHour) : FromDays((int)FloorDiv(micros, MicrosPerDay));
    }

    private int FromDays(int days)
    {
        if (Unit == TimeUnit.Day) return days;
        var d = Conversions.DateFromDays(days);
        return Unit == TimeUnit.Year ? d.Year - 1970 : ((d.Year - 1970) * 12) + d.Month - 1;
    }

    private static long FloorDiv(long a, long b) => (a / b) - ((a % b != 0) && ((a < 0) ^ (b < 0)) ? 1 : 0);

    public override PrimitiveType ResultType(PrimitiveType source) => Unit == TimeUnit.Day ? IcebergType.Date : IcebergType.Int;

    public override bool PreservesOrder => true;

    public override string ToHumanString(PrimitiveType source, object? value)
    {
        if (value is null) return "null";
        var v = Convert.ToInt32(value, CultureInfo.InvariantCulture);
        return Unit switch
        {
            TimeUnit.Year => (1970 + v).ToString(CultureInfo.InvariantCulture),
            TimeUnit.Month => new DateOnly(1970, 1, 1).AddMonths(v).ToString("yyyy-MM", CultureInfo.InvariantCulture),
            TimeUnit.Day => Conversions.DateFromDays(v).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            _ => Conversions.DateTimeFromMicros(v * MicrosPerHour).ToString("yyyy-MM-dd-HH", CultureInfo.InvariantCulture),
        };
    }

    public override string ToString() => Unit.ToString().ToLowerInvariant();
}
