using System.Globalization;
using System.Text;
using SkiaSharp;

namespace SignaturePipeline.Deliveries;

/// <summary>
/// The typefaces embedded in this assembly (Deliveries/Fonts, licenses beside them). Loaded once per process: a typeface
/// is immutable and safe to share; the <see cref="SKFont"/>s made from it are per document.
/// </summary>
internal static class PdfFonts
{
    private static readonly Lazy<(SKTypeface Sans, SKTypeface SansBold, SKTypeface Serif, SKTypeface SerifBold, SKTypeface Cjk)> Faces = new(() =>
        (Load("DejaVuSans.ttf"), Load("DejaVuSans-Bold.ttf"), Load("DejaVuSerif.ttf"), Load("DejaVuSerif-Bold.ttf"), Load("DroidSansFallbackFull.ttf")));

    private static SKTypeface Load(string file)
    {
        var name = "SignaturePipeline.Fonts." + file;
        using var stream = typeof(PdfFonts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Font resource {name} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        // SKData owns a copy of the bytes: the typeface must outlive any managed stream.
        return SKTypeface.FromData(SKData.CreateCopy(copy.ToArray()))
            ?? throw new InvalidOperationException($"Font {file} could not be loaded.");
    }

    /// <summary>
    /// A chain that draws each character with the first face that has it: the style's own face, then DejaVu Sans (for a
    /// serif face: its wider coverage), then Droid Sans Fallback (CJK).
    /// </summary>
    public static FontChain Sans(float size) => new(size, Faces.Value.Sans, Faces.Value.Cjk);

    public static FontChain SansBold(float size) => new(size, Faces.Value.SansBold, Faces.Value.Sans, Faces.Value.Cjk);

    public static FontChain Serif(float size) => new(size, Faces.Value.Serif, Faces.Value.Sans, Faces.Value.Cjk);

    public static FontChain SerifBold(float size) => new(size, Faces.Value.SerifBold, Faces.Value.Serif, Faces.Value.Sans, Faces.Value.Cjk);
}

/// <summary>Measures, wraps and draws text with per-character font fallback.</summary>
internal sealed class FontChain : IDisposable
{
    private readonly SKFont[] _fonts;

    public FontChain(float size, params SKTypeface[] faces)
    {
        _fonts = faces.Select(f => new SKFont(f, size) { Subpixel = true, LinearMetrics = true }).ToArray();
        Size = size;
        _fonts[0].GetFontMetrics(out var metrics);
        Ascent = -metrics.Ascent;
        LineHeight = (float)Math.Ceiling(size * 1.32f * 10) / 10;
    }

    public float Size { get; }

    /// <summary>Distance from the top of a line box to its baseline.</summary>
    public float Ascent { get; }

    public float LineHeight { get; }

    private readonly record struct Run(int Start, int Length, SKFont Font);

    private void Runs(string text, List<Run> runs)
    {
        runs.Clear();
        if (text.Length == 0) return;
        // Nearly every signer is covered by the first face: one check, one run.
        if (_fonts[0].ContainsGlyphs(text))
        {
            runs.Add(new Run(0, text.Length, _fonts[0]));
            return;
        }
        SKFont? current = null;
        var start = 0;
        for (var i = 0; i < text.Length;)
        {
            var rune = Rune.GetRuneAt(text, i);
            // Stay in the current face while it has the character (spaces and punctuation do not split a CJK run).
            var font = current is not null && current.ContainsGlyph(rune.Value) ? current : Pick(rune.Value);
            if (!ReferenceEquals(font, current))
            {
                if (current is not null) runs.Add(new Run(start, i - start, current));
                current = font;
                start = i;
            }
            i += rune.Utf16SequenceLength;
        }
        runs.Add(new Run(start, text.Length - start, current!));
    }

    private SKFont Pick(int codePoint)
    {
        foreach (var font in _fonts)
            if (font.ContainsGlyph(codePoint)) return font;
        return _fonts[0];
    }

    [ThreadStatic] private static List<Run>? _scratch;

    public float Measure(string text)
    {
        var runs = _scratch ??= [];
        Runs(text, runs);
        float width = 0;
        foreach (var run in runs) width += run.Font.MeasureText(text.AsSpan(run.Start, run.Length));
        return width;
    }

    public void Draw(SKCanvas canvas, string text, float x, float baseline, SKPaint paint)
    {
        var runs = _scratch ??= [];
        Runs(text, runs);
        if (runs.Count == 1)
        {
            canvas.DrawText(text, x, baseline, SKTextAlign.Left, runs[0].Font, paint);
            return;
        }
        foreach (var run in runs.ToArray())
        {
            var piece = text.Substring(run.Start, run.Length);
            canvas.DrawText(piece, x, baseline, SKTextAlign.Left, run.Font, paint);
            x += run.Font.MeasureText(piece);
        }
    }

    public void DrawRight(SKCanvas canvas, string text, float right, float baseline, SKPaint paint) =>
        Draw(canvas, text, right - Measure(text), baseline, paint);

    /// <summary>Lines no wider than <paramref name="width"/>: at spaces where it can, between characters where a word is too long.</summary>
    public List<string> Wrap(string text, float width)
    {
        var lines = new List<string>(1);
        foreach (var paragraph in text.Split('\n'))
        {
            if (Measure(paragraph) <= width)
            {
                lines.Add(paragraph);
                continue;
            }
            var line = "";
            foreach (var word in paragraph.Split(' '))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (Measure(candidate) <= width)
                {
                    line = candidate;
                    continue;
                }
                if (line.Length > 0) lines.Add(line);
                line = "";
                if (Measure(word) <= width)
                {
                    line = word;
                    continue;
                }
                // A word (or a run of CJK, which has no spaces) wider than the column: break between grapheme clusters.
                var index = 0;
                while (index < word.Length)
                {
                    var length = StringInfo.GetNextTextElementLength(word, index);
                    var next = string.Concat(line, word.AsSpan(index, length));
                    if (line.Length > 0 && Measure(next) > width)
                    {
                        lines.Add(line);
                        line = word.Substring(index, length);
                    }
                    else line = next;
                    index += length;
                }
            }
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>The text cut to fit, with an ellipsis: for footers and headers that must stay on one line.</summary>
    public string Fit(string text, float width)
    {
        if (Measure(text) <= width) return text;
        var cut = text.Length;
        while (cut > 0 && Measure(text[..cut] + "…") > width) cut -= char.IsLowSurrogate(text[cut - 1]) && cut > 1 ? 2 : 1;
        return text[..cut].TrimEnd() + "…";
    }

    public void Dispose()
    {
        foreach (var font in _fonts) font.Dispose();
    }
}
