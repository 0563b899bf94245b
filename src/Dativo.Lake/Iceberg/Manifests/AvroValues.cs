using Avro;
using Avro.Generic;
using Dativo.Lake.Iceberg.Types;

namespace Dativo.Lake.Iceberg.Manifests;

/// <summary>Conversions between <see cref="Conversions"/> values and Apache.Avro generic values, and field-id lookups.</summary>
internal static class AvroValues
{
    public static object? ToAvro(PrimitiveType t, object? v, Schema fieldSchema)
    {
        if (v is null) return null;
        switch (t.Id)
        {
            case TypeId.Date: return Conversions.DateFromDays(Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            case TypeId.Time: return TimeSpan.FromTicks((long)v * 10);
            case TypeId.Timestamp or TypeId.TimestampTz: return Conversions.DateTimeFromMicros((long)v);
            // Apache.Avro refuses a value whose own scale differs from the schema's (12.5 for decimal(10,2)): write the
            // unscaled integer at the partition field's scale, rounded like the data files (ParquetColumns)
            case TypeId.Decimal: return new AvroDecimal(Conversions.Unscaled((decimal)v, t.Scale), t.Scale);
            case TypeId.Uuid or TypeId.Fixed:
            {
                var fs = (FixedSchema)NonNull(fieldSchema);
                return new GenericFixed(fs, t.Id == TypeId.Uuid ? ((Guid)v).ToByteArray(bigEndian: true) : (byte[])v);
            }
            case TypeId.Long: return Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
            case TypeId.Double: return Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);
            default: return v;
        }
    }

    public static object? FromAvro(PrimitiveType t, object? v)
    {
        switch (v)
        {
            case null: return null;
            case DateTime dt when t.Id == TypeId.Date: return DateOnly.FromDateTime(dt).DayNumber - Conversions.Epoch.DayNumber;
            case DateTime dt: return Conversions.MicrosFromEpoch(DateTime.SpecifyKind(dt, DateTimeKind.Utc));
            case DateTimeOffset dto: return (dto.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
            case TimeSpan ts: return ts.Ticks / 10;
            // at the field's scale (AvroDecimal.ToDecimal drops trailing zeros: 12.50 would come back as 12.5)
            case AvroDecimal d when t.Id == TypeId.Decimal && d.Scale <= t.Scale:
                return Conversions.Scaled(d.UnscaledValue * System.Numerics.BigInteger.Pow(10, t.Scale - d.Scale), t.Scale);
            case AvroDecimal d: return AvroDecimal.ToDecimal(d);
            case GenericFixed f when t.Id == TypeId.Uuid: return new Guid(f.Value, bigEndian: true);
            case GenericFixed f when t.Id == TypeId.Decimal: return Conversions.Scaled(new System.Numerics.BigInteger(f.Value, false, true), t.Scale);
            case GenericFixed f: return f.Value;
            case Guid g: return g;
            case int i when t.Id == TypeId.Long: return (long)i;
            case float fl when t.Id == TypeId.Double: return (double)fl;
            default: return v;
        }
    }

    public static Schema NonNull(Schema s) => s is UnionSchema u ? u.Schemas.First(x => x.Tag != Schema.Type.Null) : s;

    /// <summary>Field-id → field name of a record schema (falls back to the names the spec uses).</summary>
    public static Dictionary<int, string> FieldIds(RecordSchema rs)
    {
        var d = new Dictionary<int, string>();
        foreach (var f in rs.Fields)
        {
            var p = f.GetProperty("field-id");
            if (p is not null && int.TryParse(p.Trim('"'), System.Globalization.CultureInfo.InvariantCulture, out var id)) d[id] = f.Name;
        }
        return d;
    }

    public static object? Get(GenericRecord r, Dictionary<int, string> ids, int id, string fallbackName)
    {
        var name = ids.GetValueOrDefault(id, fallbackName);
        return r.TryGetValue(name, out var v) ? v : null;
    }

    public static Dictionary<int, long>? LongMap(object? v) => v switch
    {
        null => null,
        object[] arr => arr.Cast<GenericRecord>().ToDictionary(kv => (int)kv["key"], kv => Convert.ToInt64(kv["value"], System.Globalization.CultureInfo.InvariantCulture)),
        IDictionary<string, object> m => m.ToDictionary(kv => int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture), kv => Convert.ToInt64(kv.Value, System.Globalization.CultureInfo.InvariantCulture)),
        _ => null,
    };

    public static Dictionary<int, byte[]>? BytesMap(object? v) => v switch
    {
        null => null,
        object[] arr => arr.Cast<GenericRecord>().ToDictionary(kv => (int)kv["key"], kv => (byte[])kv["value"]),
        _ => null,
    };

    public static object[]? ToAvroMap<TV>(IReadOnlyDictionary<int, TV>? map, Schema unionSchema)
    {
        if (map is null) return null;
        var arr = (ArraySchema)NonNull(unionSchema);
        var rs = (RecordSchema)arr.ItemSchema;
        return [.. map.OrderBy(kv => kv.Key).Select(kv =>
        {
            var r = new GenericRecord(rs);
            r.Add("key", kv.Key);
            r.Add("value", kv.Value);
            return (object)r;
        })];
    }
}
