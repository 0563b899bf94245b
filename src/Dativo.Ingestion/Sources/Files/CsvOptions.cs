using System.Text;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>CSV settings: job source.options over the recipe's options.</summary>
internal sealed record CsvOptions(char Delimiter, char Quote, Encoding Encoding, bool Header, IReadOnlyList<string> NullValues)
{
    public static CsvOptions For(LoadedJob job)
    {
        var o = job.Config.Source.Options;
        var r = job.SourceRecipe.Options;
        var delimiter = o?.Delimiter ?? r["delimiter"]?.ToString() ?? ",";
        var quote = o?.Quote ?? r["quote"]?.ToString() ?? "\"";
        var encoding = o?.Encoding ?? r["encoding"]?.ToString() ?? "utf-8";
        var header = o?.Header ?? (r["header"]?.ToString() != "false");
        var nulls = o?.NullValues ?? r["null_values"]?.AsArray().Select(n => n!.ToString()).ToList() ?? ["", "NULL", "null", "None"];
        if (delimiter == "\\t" || delimiter == "tab") delimiter = "\t";
        if (delimiter.Length != 1) throw new DativoException($"{job.File}: source.options.delimiter must be one character, not '{delimiter}'");
        if (quote.Length != 1) throw new DativoException($"{job.File}: source.options.quote must be one character, not '{quote}'");
        Encoding enc;
        try { enc = encoding.ToLowerInvariant() is "utf-8" or "utf8" ? new UTF8Encoding(false) : Encoding.GetEncoding(encoding); }
        catch (ArgumentException) { throw new DativoException($"{job.File}: source.options.encoding '{encoding}' is not supported (utf-8, utf-16, latin1, ascii)"); }
        return new CsvOptions(delimiter[0], quote[0], enc, header, nulls);
    }
}
