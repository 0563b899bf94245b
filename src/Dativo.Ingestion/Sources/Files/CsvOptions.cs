using System.Text;
using Dativo.Core.Config.Jobs;
using Dativo.Core.Errors;
using Dativo.Core.Text;

namespace Dativo.Ingestion.Sources.Files;

/// <summary>CSV settings: job source.options over the recipe's options (read and checked by <see cref="CsvSettings"/>, as <c>check</c> does).</summary>
internal sealed record CsvOptions(char Delimiter, char Quote, Encoding Encoding, bool Header, IReadOnlyList<string> NullValues)
{
    public static CsvOptions For(LoadedJob job)
    {
        var s = CsvSettings.Of(job);
        foreach (var (key, message) in s.Problems())
            throw new DativoException($"{job.File}: {(key.Length == 0 ? $"connector recipe {job.SourceRecipe.Origin}" : key)}: {message}");
        var o = job.Config.Source.Options;
        var r = job.SourceRecipe.Options;
        var header = o?.Header ?? (r["header"]?.ToString() != "false");
        var nulls = o?.NullValues ?? r["null_values"]?.AsArray().Select(n => n!.ToString()).ToList() ?? ["", "NULL", "null", "None"];
        return new CsvOptions(s.Delimiter[0], s.Quote[0], TextEncodings.Get(s.Encoding)!, header, nulls);
    }
}
