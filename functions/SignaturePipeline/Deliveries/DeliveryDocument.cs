using System.Globalization;
using SignaturePipeline.Geography;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SkiaSharp;

namespace SignaturePipeline.Deliveries;

/// <summary>What the first pages say; all of it is known before the first signer is read.</summary>
public sealed record DeliveryCover(
    string PetitionTitle,
    string Letter,
    PetitionTarget Target,
    string Week,
    DateTimeOffset Date,
    DateTimeOffset WindowFrom,
    DateTimeOffset WindowTo,
    long Count,
    long CumulativeCount,
    IReadOnlyDictionary<string, long> Breakdown,
    IReadOnlyDictionary<string, long> CumulativeBreakdown)
{
    /// <summary>Of <see cref="Count"/>, the signers who asked not to be named: in the totals, never in the list.</summary>
    public long Unnamed { get; init; }

    /// <summary>False for a target that takes the totals only: the document then has no signer list at all.</summary>
    public bool ListsNames { get; init; } = true;
}

/// <summary>
/// The delivery PDF, written page by page as signers arrive (SkiaSharp's PDF backend serializes each page when it ends, so
/// memory stays flat whatever the count): a cover letter addressed to the target, a page of totals and the breakdown, the
/// signer list as a table, and a closing page with the list's fingerprint. US Letter, for printing.
/// </summary>
internal sealed class DeliveryDocument : IDisposable
{
    private const float PageWidth = 612, PageHeight = 792, Margin = 54, FooterSpace = 30;
    private const float Left = Margin, Right = PageWidth - Margin, Top = Margin, Bottom = PageHeight - Margin - FooterSpace;
    private const float CellPad = 3;

    private static readonly CultureInfo En = CultureInfo.GetCultureInfo("en-US");
    private static readonly SKColor Ink = new(0x1b, 0x1b, 0x1b), Muted = new(0x5f, 0x63, 0x68), Rule = new(0xc8, 0xcc, 0xd0),
        Band = new(0xf1, 0xf3, 0xf5), HeaderFill = new(0xe2, 0xe6, 0xea), Accent = new(0x1f, 0x3a, 0x5f);

    // The signer table: # · name · city · state · ZIP · comment, 504 pt across.
    private static readonly float[] Columns = [34, 142, 88, 32, 46, 162];
    private static readonly string[] ColumnTitles = ["#", "Name", "City", "State", "ZIP", "Comment"];

    private readonly SKDocument _document;
    private readonly DeliveryCover _cover;
    private readonly FontChain _letter = PdfFonts.Serif(11);
    private readonly FontChain _letterBold = PdfFonts.SerifBold(11);
    private readonly FontChain _title = PdfFonts.SansBold(17);
    private readonly FontChain _heading = PdfFonts.SansBold(13);
    private readonly FontChain _body = PdfFonts.Sans(10);
    private readonly FontChain _bodyBold = PdfFonts.SansBold(10);
    private readonly FontChain _small = PdfFonts.Sans(7.5f);
    private readonly FontChain _cell = PdfFonts.Sans(8.5f);
    private readonly FontChain _cellBold = PdfFonts.SansBold(8.5f);
    private readonly SKPaint _ink = new() { Color = Ink, IsAntialias = true };
    private readonly SKPaint _muted = new() { Color = Muted, IsAntialias = true };
    private readonly SKPaint _accent = new() { Color = Accent, IsAntialias = true };
    private readonly SKPaint _band = new() { Color = Band, Style = SKPaintStyle.Fill };
    private readonly SKPaint _headerFill = new() { Color = HeaderFill, Style = SKPaintStyle.Fill };
    private readonly SKPaint _rule = new() { Color = Rule, StrokeWidth = 0.5f, Style = SKPaintStyle.Stroke };

    private SKCanvas? _canvas;
    private float _y;
    private int _page;
    private long _signers;
    private bool _inList;
    private bool _listHeadingDone;

    public DeliveryDocument(Stream output, DeliveryCover cover)
    {
        _cover = cover;
        _document = SKDocument.CreatePdf(output, new SKDocumentPdfMetadata
        {
            Title = $"{cover.PetitionTitle} — delivery to {cover.Target.Name}, {cover.Week}",
            Subject = $"{DeliveryWording.Signers(cover.Count)} of the petition “{cover.PetitionTitle}”",
            Author = "SignaturePipeline",
            Creator = "SignaturePipeline",
            Producer = "SignaturePipeline (SkiaSharp)",
            // Fixed from the record, not the clock: compiling the same delivery again gives the same metadata.
            Creation = cover.Date.UtcDateTime,
            Modified = cover.Date.UtcDateTime,
            RasterDpi = 300,
        }) ?? throw new InvalidOperationException("SkiaSharp could not create a PDF document.");
        WriteCover();
        WriteTotals();
    }

    public long Signers => _signers;

    private static string N(long value) => value.ToString("N0", En);

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("MMMM d, yyyy", En);

    private static string Moment(DateTimeOffset at) => at.UtcDateTime.ToString("MMMM d, yyyy, HH:mm", En) + " UTC";

    private string Recipient => _cover.Target.Kind == TargetKind.Governor && _cover.Target.State is { } state
        ? $"{_cover.Target.Name}, Governor of {UsStates.NameOf(state)}"
        : _cover.Target.Name;

    private bool Statewide => _cover.Target.State is not null;

    private void NewPage()
    {
        EndPage();
        _canvas = _document.BeginPage(PageWidth, PageHeight);
        _page++;
        _y = Top;
        if (_inList) TableHeader();
    }

    private void EndPage()
    {
        if (_canvas is null) return;
        FlushListText();
        var baseline = PageHeight - Margin + _small.Ascent - 6;
        _canvas.DrawLine(Left, PageHeight - Margin - 10, Right, PageHeight - Margin - 10, _rule);
        var pageText = "Page " + _page.ToString(CultureInfo.InvariantCulture);
        var label = $"{_cover.PetitionTitle} · delivery to {_cover.Target.Name} · {_cover.Week}";
        _small.Draw(_canvas, _small.Fit(label, Right - Left - 60), Left, baseline, _muted);
        _small.DrawRight(_canvas, pageText, Right, baseline, _muted);
        _document.EndPage();
        _canvas = null;
    }

    /// <summary>Moves to a new page unless <paramref name="height"/> more points fit on this one.</summary>
    private void Ensure(float height)
    {
        if (_canvas is null || _y + height > Bottom) NewPage();
    }

    private void Line(FontChain font, string text, SKPaint paint, float x = Left)
    {
        Ensure(font.LineHeight);
        font.Draw(_canvas!, text, x, _y + font.Ascent, paint);
        _y += font.LineHeight;
    }

    private void Paragraph(FontChain font, string text, SKPaint paint, float x = Left, float width = Right - Left)
    {
        foreach (var line in font.Wrap(text, width)) Line(font, line, paint, x);
    }

    private void WriteCover()
    {
        NewPage();
        _small.Draw(_canvas!, "PETITION DELIVERY", Left, _y + _small.Ascent, _accent);
        _small.DrawRight(_canvas!, $"Week {_cover.Week}", Right, _y + _small.Ascent, _muted);
        _y += _small.LineHeight + 4;
        _canvas!.DrawLine(Left, _y, Right, _y, _rule);
        _y += 18;

        Line(_letter, Day(_cover.Date), _ink);
        _y += 10;
        Line(_letterBold, "To: " + Recipient, _ink);
        Paragraph(_letterBold, "Re: the petition “" + _cover.PetitionTitle + "”", _ink);
        _y += 14;

        foreach (var paragraph in _cover.Letter.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n"))
        {
            Paragraph(_letter, paragraph.Trim('\n'), _ink);
            _y += _letter.LineHeight * 0.6f;
        }
        _y += 8;
        Paragraph(_letter, DeliveryWording.Cover(_cover.Count, _cover.CumulativeCount, _cover.Unnamed, _cover.ListsNames), _ink);
        _y += 18;
        Line(_letter, "Respectfully,", _ink);
        Paragraph(_letter, "The signers of “" + _cover.PetitionTitle + "”", _ink);
    }

    private void WriteTotals()
    {
        NewPage();
        Paragraph(_title, "Signatures delivered", _accent);
        _y += 8;
        Facts("Petition", _cover.PetitionTitle);
        Facts("Delivered to", Recipient);
        Facts("Week", _cover.Week);
        Facts("This delivery", DeliveryWording.SignersOfWhomUnnamed(_cover.Count, _cover.Unnamed));
        Facts("Delivered to date", DeliveryWording.Signers(_cover.CumulativeCount));
        if (!_cover.ListsNames) Facts("Names", "At the organizers' request, this delivery gives the totals only, no names.");
        Facts("Counted", (_cover.WindowFrom.UtcTicks == 0 ? "from the petition's start" : "from " + Moment(_cover.WindowFrom)) + " to " + Moment(_cover.WindowTo));
        if (Statewide) Facts("Who is included", $"Signers who gave an address in {UsStates.NameOf(_cover.Target.State!)}");
        _y += 16;

        if (!Statewide) WriteStateMap();
        Paragraph(_heading, Statewide ? "By ZIP code area" : "By state", _accent);
        if (Statewide) Paragraph(_small, "Areas are the first three digits of the ZIP code (the USPS sectional centre).", _muted);
        _y += 6;
        var keys = _cover.CumulativeBreakdown.Keys.Union(_cover.Breakdown.Keys)
            .OrderByDescending(k => _cover.Breakdown.GetValueOrDefault(k))
            .ThenByDescending(k => _cover.CumulativeBreakdown.GetValueOrDefault(k))
            .ThenBy(k => k, StringComparer.Ordinal)
            .ToList();
        const float keyWidth = 250, countWidth = 110;
        void BreakdownHeader()
        {
            _canvas!.DrawRect(Left, _y, keyWidth + 2 * countWidth, _cellBold.LineHeight + 2 * CellPad, _headerFill);
            var b = _y + CellPad + _cellBold.Ascent;
            _cellBold.Draw(_canvas, Statewide ? "ZIP code area" : "State", Left + CellPad, b, _ink);
            _cellBold.DrawRight(_canvas, "This delivery", Left + keyWidth + countWidth - CellPad, b, _ink);
            _cellBold.DrawRight(_canvas, "To date", Left + keyWidth + 2 * countWidth - CellPad, b, _ink);
            _y += _cellBold.LineHeight + 2 * CellPad;
        }
        Ensure(3 * (_cell.LineHeight + 2 * CellPad));
        BreakdownHeader();
        var row = 0;
        foreach (var key in keys)
        {
            var height = _cell.LineHeight + 2 * CellPad;
            if (_y + height > Bottom)
            {
                NewPage();
                BreakdownHeader();
            }
            if (row++ % 2 == 1) _canvas!.DrawRect(Left, _y, keyWidth + 2 * countWidth, height, _band);
            var b = _y + CellPad + _cell.Ascent;
            var label = Statewide ? key + "xx" : $"{UsStates.NameOf(key)} ({key})";
            _cell.Draw(_canvas!, label, Left + CellPad, b, _ink);
            _cell.DrawRight(_canvas!, N(_cover.Breakdown.GetValueOrDefault(key)), Left + keyWidth + countWidth - CellPad, b, _ink);
            _cell.DrawRight(_canvas!, N(_cover.CumulativeBreakdown.GetValueOrDefault(key)), Left + keyWidth + 2 * countWidth - CellPad, b, _ink);
            _y += height;
        }
        _canvas!.DrawLine(Left, _y, Left + keyWidth + 2 * countWidth, _y, _rule);
        _y += 12;
        if (!_cover.ListsNames) return;
        Paragraph(_small, "The list's SHA-256 fingerprint is on the last page and in manifest.json, which accompanies this document.", _muted);

        // The signer list starts on a page of its own.
        _inList = true;
        NewPage();
    }

    // From none to most signers: the same five shades as the organizers' console.
    private static readonly SKColor[] Shades = [new(0xe8, 0xee, 0xf9), new(0xb9, 0xcd, 0xf0), new(0x7f, 0xa3, 0xe3), new(0x3f, 0x73, 0xd1), new(0x0b, 0x3f, 0x9e)];

    /// <summary>
    /// A map of the states shaded by signers to date, so the target sees at a glance where signers live (a national
    /// target only: a governor's delivery is one state). The outlines are SVG path data (<see cref="UsMap"/>), drawn by Skia.
    /// </summary>
    private void WriteStateMap()
    {
        var box = UsMap.ViewBox.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        const float width = Right - Left;
        var scale = width / box[2];
        var height = box[3] * scale;
        Ensure(height + 60);
        Paragraph(_heading, "Where signers live", _accent);
        _y += 4;
        var max = Math.Max(1, _cover.CumulativeBreakdown.Values.DefaultIfEmpty(0).Max());
        using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
        using var outline = new SKPaint { Style = SKPaintStyle.Stroke, Color = SKColors.White, StrokeWidth = 0.8f / scale, IsAntialias = true };
        var canvas = _canvas!;
        canvas.Save();
        canvas.Translate(Left - box[0] * scale, _y - box[1] * scale);
        canvas.Scale(scale);
        foreach (var state in UsMap.States)
        {
            using var path = SKPath.ParseSvgPathData(state.Path);
            if (path is null) continue;
            var count = _cover.CumulativeBreakdown.GetValueOrDefault(state.Code);
            fill.Color = count <= 0 ? new SKColor(0xf1, 0xf1, 0xf1) : Shades[Math.Min(Shades.Length - 1, (int)(count * (Shades.Length - 1e-9) / max))];
            canvas.DrawPath(path, fill);
            canvas.DrawPath(path, outline);
        }
        canvas.Restore();
        _y += height + 4;
        Paragraph(_small, $"Shaded by signers to date; the darkest states have up to {N(max)}. {UsMap.Attribution}.", _muted);
        _y += 10;
    }

    private void Facts(string label, string value)
    {
        const float labelWidth = 120;
        var lines = _body.Wrap(value, Right - Left - labelWidth);
        Ensure(lines.Count * _body.LineHeight + 4);
        _bodyBold.Draw(_canvas!, label, Left, _y + _bodyBold.Ascent, _muted);
        foreach (var line in lines)
        {
            _body.Draw(_canvas!, line, Left + labelWidth, _y + _body.Ascent, _ink);
            _y += _body.LineHeight;
        }
        _y += 4;
    }

    private void TableHeader()
    {
        if (!_listHeadingDone)
        {
            _listHeadingDone = true;
            Paragraph(_title, "Signers", _accent);
            Paragraph(_small, DeliveryWording.ListNote(_cover.Count - _cover.Unnamed, _cover.Unnamed), _muted);
            _y += 6;
        }
        var height = _cellBold.LineHeight + 2 * CellPad;
        _canvas!.DrawRect(Left, _y, Right - Left, height, _headerFill);
        var x = Left;
        for (var i = 0; i < Columns.Length; i++)
        {
            _cellBold.Draw(_canvas, ColumnTitles[i], x + CellPad, _y + CellPad + _cellBold.Ascent, _ink);
            x += Columns[i];
        }
        _y += height;
    }

    private readonly List<string>[] _cells = new List<string>[6];
    private static readonly bool[] Wraps = [false, true, true, false, false, true];

    // The list's text for the current page, drawn in one call per colour when the page ends (see FontChain.AddRuns).
    private SKTextBlobBuilder? _pageText, _pageNumbers;

    private void FlushListText()
    {
        if (_canvas is null) return;
        foreach (var (builder, paint) in new[] { (_pageText, _ink), (_pageNumbers, _muted) })
        {
            if (builder is null) continue;
            using var blob = builder.Build();
            if (blob is not null) _canvas.DrawText(blob, 0, 0, paint);
        }
        _pageText?.Dispose();
        _pageNumbers?.Dispose();
        _pageText = _pageNumbers = null;
    }

    public void AddSigner(IndexedSigner s)
    {
        _signers++;
        string[] values = [_signers.ToString("N0", En), s.FirstName + " " + s.LastName, s.City, s.State, s.PostalCode, s.Comment];
        var lines = 1;
        for (var i = 0; i < values.Length; i++)
        {
            // Row number, state and ZIP are short by construction: no need to measure them.
            _cells[i] = Wraps[i] ? _cell.Wrap(values[i], Columns[i] - 2 * CellPad) : [values[i]];
            lines = Math.Max(lines, _cells[i].Count);
        }
        var height = lines * _cell.LineHeight + 2 * CellPad;
        if (_y + height > Bottom) NewPage();
        if (_signers % 2 == 0) _canvas!.DrawRect(Left, _y, Right - Left, height, _band);
        _pageText ??= new SKTextBlobBuilder();
        _pageNumbers ??= new SKTextBlobBuilder();
        var x = Left;
        for (var i = 0; i < values.Length; i++)
        {
            var baseline = _y + CellPad + _cell.Ascent;
            foreach (var line in _cells[i])
            {
                _cell.AddRuns(i == 0 ? _pageNumbers : _pageText, line, x + CellPad, baseline);
                baseline += _cell.LineHeight;
            }
            x += Columns[i];
        }
        _y += height;
    }

    /// <summary>Ends the list with a closing statement and the fingerprint, and closes the document.</summary>
    public void Finish(string signersSha256, DateTimeOffset? firstSignedAt, DateTimeOffset? lastSignedAt)
    {
        if (!_cover.ListsNames)
        {
            Paragraph(_body, $"This delivery counts {DeliveryWording.Signers(_cover.Count)} of “{_cover.PetitionTitle}” for {Recipient} and, at the organizers' " +
                "request, names none of them. Each person is counted once: a second signature with the same email address is not counted.", _ink);
            EndPage();
            _document.Close();
            return;
        }
        _canvas!.DrawLine(Left, _y, Right, _y, _rule);
        _inList = false;
        _y += 24;
        Ensure(200);
        Paragraph(_heading, "About this list", _accent);
        _y += 4;
        var span = firstSignedAt is { } first && lastSignedAt is { } last ? $" They signed between {Moment(first)} and {Moment(last)}." : "";
        var unnamed = _cover.Unnamed <= 0 ? ""
            : _cover.Unnamed == 1 ? " One more signer asked not to be named: counted in the totals, not listed."
            : $" {N(_cover.Unnamed)} more signers asked not to be named: counted in the totals, not listed.";
        Paragraph(_body, $"This delivery lists {DeliveryWording.Signers(_signers)} of “{_cover.PetitionTitle}” for {Recipient}.{span}{unnamed} " +
            "Each person is counted once: a second signature with the same email address is not counted. No signer's email " +
            "address or IP address appears in this document.", _ink);
        _y += 8;
        Paragraph(_body, "SHA-256 fingerprint of the signer list (canonical form signers-v1, described in manifest.json):", _ink);
        _y += 2;
        Line(_bodyBold, signersSha256[..32], _ink);
        Line(_bodyBold, signersSha256[32..], _ink);
        _y += 8;
        Paragraph(_small, $"Prepared {Moment(_cover.Date)} by SignaturePipeline for the organizers of this petition.", _muted);
        EndPage();
        _document.Close();
    }

    public void Dispose()
    {
        _pageText?.Dispose();
        _pageNumbers?.Dispose();
        _document.Dispose();
        foreach (var font in new[] { _letter, _letterBold, _title, _heading, _body, _bodyBold, _small, _cell, _cellBold }) font.Dispose();
        foreach (var paint in new[] { _ink, _muted, _accent, _band, _headerFill, _rule }) paint.Dispose();
    }
}
