using Dativo.Core.Text;

namespace Dativo.Core.Config.Jobs;

/// <summary>
/// The text settings of a file source as written (job <c>source.options</c>, the old project's
/// <c>source.engine.options.encoding</c>, then the recipe's options), each with the key it came from, and what is
/// wrong with them: checked when a job is loaded and again by the reader, with the same words.
/// </summary>
public sealed record CsvSettings(string Delimiter, string DelimiterKey, string Quote, string QuoteKey, string Encoding, string EncodingKey)
{
    /// <summary>Engine options the reader honours; any other key is reported as ignored.</summary>
    public static readonly string[] EngineOptions = ["encoding"];

    public static CsvSettings Of(LoadedJob job)
    {
        var o = job.Config.Source.Options;
        var r = job.SourceRecipe.Options;
        var engine = EngineOption(job, "encoding");
        var (delimiter, dKey) = o?.Delimiter is { } d ? (d, "source.options.delimiter") : (r["delimiter"]?.ToString() ?? ",", "");
        var (quote, qKey) = o?.Quote is { } q ? (q, "source.options.quote") : (r["quote"]?.ToString() ?? "\"", "");
        var (encoding, eKey) = o?.Encoding is { } e ? (e, "source.options.encoding")
            : engine is not null ? (engine, "source.engine.options.encoding")
            : (r["encoding"]?.ToString() ?? "utf-8", "");
        return new CsvSettings(delimiter is "\\t" or "tab" ? "\t" : delimiter, dKey, quote, qKey, encoding, eKey);
    }

    /// <summary>A value of <c>source.engine.options</c> as text, when set.</summary>
    public static string? EngineOption(LoadedJob job, string key) =>
        job.Config.Source.Engine?["options"] is System.Text.Json.Nodes.JsonObject opts && opts[key] is { } v ? v.ToString() : null;

    /// <summary>Each problem as (key path, message with the fix); empty when the settings can be read.</summary>
    public IEnumerable<(string KeyPath, string Message)> Problems()
    {
        if (Delimiter.Length != 1)
            yield return (DelimiterKey, $"'{Delimiter}' is {Delimiter.Length} characters; a delimiter is one character (e.g. ',', ';', '|', or \\t for tab)");
        if (Quote.Length != 1)
            yield return (QuoteKey, $"'{Quote}' is {Quote.Length} characters; a quote is one character (e.g. '\"' or \"'\")");
        if (TextEncodings.Canonical(Encoding) is null)
        {
            yield return (EncodingKey, $"encoding '{Encoding}' is not supported{NearMiss.Hint(Encoding, TextEncodings.Supported)}; supported: {TextEncodings.List}");
        }
    }
}
