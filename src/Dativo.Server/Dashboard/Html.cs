using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace Dativo.Server.Dashboard;

/// <summary>Markup written by the page code itself; the only way text reaches a page unescaped.</summary>
public readonly record struct Raw(string Value);

/// <summary>
/// Builds a page: literal parts of an interpolated string are markup, every interpolated value is HTML-encoded (unless it is
/// <see cref="Raw"/>), so data from runs, tables and configs can never become markup or script.
/// </summary>
public sealed class Html
{
    private readonly StringBuilder _sb = new();

    public Html Add([InterpolatedStringHandlerArgument("")] ref Handler h) => this;

    public Html Add(Html other)
    {
        _sb.Append(other._sb);
        return this;
    }

    public override string ToString() => _sb.ToString();

    public Raw ToRaw() => new(_sb.ToString());

    public static string Encode(string? s) => s is null ? "" : HtmlEncoder.Default.Encode(s);

    /// <summary>A URL path segment for an id that may hold '/' (run ids, job ids).</summary>
    public static string Segment(string id) => Uri.EscapeDataString(id);

    [InterpolatedStringHandler]
    public readonly ref struct Handler
    {
        private readonly StringBuilder _sb;

        public Handler(int literalLength, int formattedCount, Html html) => _sb = html._sb;

        public void AppendLiteral(string s) => _sb.Append(s);

        public void AppendFormatted(Raw raw) => _sb.Append(raw.Value);

        public void AppendFormatted(Html html) => _sb.Append(html._sb);

        public void AppendFormatted<T>(T value) =>
            _sb.Append(Encode(value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString()));

        public void AppendFormatted<T>(T value, string format) where T : IFormattable =>
            _sb.Append(Encode(value.ToString(format, CultureInfo.InvariantCulture)));
    }
}
