using System.Globalization;
using System.Text.RegularExpressions;

namespace CnnNative.BindingsGenerator;

/// <summary>
/// The header as text: what castxml does not report (macros, comments). Line numbers are 1-based, as in
/// castxml's <c>line</c> attributes.
/// </summary>
internal sealed partial class HeaderText
{
    private readonly string[] _raw;
    private readonly string[] _code; // the same lines with every comment blanked out

    public HeaderText(string text)
    {
        _raw = text.Replace("\r\n", "\n").Split('\n');
        _code = BlankComments(_raw);
    }

    public int LineCount => _raw.Length;

    /// <summary>The code on a line, comments removed.</summary>
    public string Code(int line) => _code[line - 1];

    /// <summary>Integer object-like macros (<c>#define NAME 42</c>) in header order; others are skipped.</summary>
    public IReadOnlyList<ConstantDecl> IntegerDefines()
    {
        var result = new List<ConstantDecl>();
        for (int line = 1; line <= LineCount; line++)
        {
            Match m = DefineRegex().Match(Code(line));
            if (!m.Success)
                continue;
            string name = m.Groups["name"].Value;
            long value = ParseInteger(m.Groups["value"].Value, name, line);
            if (m.Groups["minus"].Success)
                value = -value;
            ConstantDecl? previous = result.Find(c => c.Name == name);
            if (previous is null)
                result.Add(new ConstantDecl(name, value, line, DocFor(line)));
            else if (previous.Value != value)
                throw new GeneratorException(
                    $"line {line}: #define {name} is {value} here but {previous.Value} on line {previous.Line}");
        }
        return result;
    }

    /// <summary>
    /// The comment block directly above a line plus a comment trailing the code on that line (which may
    /// continue on the next lines). <paramref name="trailing"/> false skips the trailing part.
    /// </summary>
    public Doc DocFor(int line, bool above = true, bool trailing = true)
    {
        var lines = new List<string>();
        if (above)
            lines.AddRange(CommentAbove(line));
        if (trailing)
            lines.AddRange(TrailingComment(line));
        return lines.Count == 0 ? Doc.None : new Doc(lines);
    }

    /// <summary>First line at or after <paramref name="from"/> whose code contains the identifier.</summary>
    public int FindIdentifier(string identifier, int from)
    {
        var regex = new Regex(@"\b" + Regex.Escape(identifier) + @"\b", RegexOptions.CultureInvariant);
        for (int line = from; line <= LineCount; line++)
            if (regex.IsMatch(Code(line)))
                return line;
        throw new GeneratorException($"'{identifier}' not found in the header text after line {from}");
    }

    /// <summary>First line at or after <paramref name="from"/> whose code contains a ';' (end of a declaration).</summary>
    public int FindStatementEnd(int from)
    {
        for (int line = from; line <= LineCount; line++)
            if (Code(line).Contains(';'))
                return line;
        return from;
    }

    // The nearest comment block that ends on the line above and starts its own line: a /* ... */ block
    // or consecutive // lines. A comment that trails code on that line belongs to that code, not here.
    private List<string> CommentAbove(int line)
    {
        int last = line - 1;
        if (last < 1)
            return [];
        string text = _raw[last - 1].Trim();
        if (text.StartsWith("//", StringComparison.Ordinal))
        {
            int first = last;
            while (first > 1 && _raw[first - 2].Trim().StartsWith("//", StringComparison.Ordinal))
                first--;
            return Enumerable.Range(first, last - first + 1).Select(l => StripLineComment(_raw[l - 1].Trim())).ToList().TrimBlank();
        }
        if (!text.EndsWith("*/", StringComparison.Ordinal) || Code(last).Trim().Length != 0)
            return [];
        int start = last;
        while (start >= 1 && !_raw[start - 1].Contains("/*", StringComparison.Ordinal))
            start--;
        if (start < 1 || !_raw[start - 1].TrimStart().StartsWith("/*", StringComparison.Ordinal))
            return [];
        return BlockLines(start, _raw[start - 1].IndexOf("/*", StringComparison.Ordinal));
    }

    // A comment that follows code on the line: "CNN_OK = 0, /* text */" or "...; // text".
    private List<string> TrailingComment(int line)
    {
        string raw = _raw[line - 1];
        string code = Code(line);
        if (code.Trim().Length == 0)
            return []; // a line that is only a comment is no trailing comment
        int block = raw.IndexOf("/*", code.TrimEnd().Length, StringComparison.Ordinal);
        int single = raw.IndexOf("//", code.TrimEnd().Length, StringComparison.Ordinal);
        if (single >= 0 && (block < 0 || single < block))
            return new List<string> { StripLineComment(raw[single..].Trim()) }.TrimBlank();
        return block >= 0 ? BlockLines(line, block) : [];
    }

    // Lines of the /* ... */ block that starts at column `column` of `line`, markers stripped.
    private List<string> BlockLines(int line, int column)
    {
        var lines = new List<string>();
        string first = _raw[line - 1][(column + 2)..].TrimStart('*', '!');
        for (int l = line; l <= LineCount; l++)
        {
            string text = l == line ? first : _raw[l - 1].TrimStart();
            if (l != line && text.StartsWith('*') && !text.StartsWith("*/", StringComparison.Ordinal))
                text = text.Length > 1 && text[1] == ' ' ? text[2..] : text[1..];
            int end = text.IndexOf("*/", StringComparison.Ordinal);
            lines.Add((end >= 0 ? text[..end] : text).TrimEnd());
            if (end >= 0)
                break;
        }
        if (lines.Count > 0)
            lines[0] = lines[0].Trim();
        return lines.TrimBlank();
    }

    private static string StripLineComment(string text) => text.TrimStart('/').Trim();

    private static long ParseInteger(string literal, string name, int line)
    {
        bool ok = literal.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(literal[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long value)
            : long.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok || value > int.MaxValue)
            throw new GeneratorException($"line {line}: #define {name} {literal} does not fit a C# int");
        return value;
    }

    // Replaces the text of every /* */ and // comment with spaces, keeping the line structure.
    private static string[] BlankComments(string[] raw)
    {
        var result = new string[raw.Length];
        bool inBlock = false;
        for (int i = 0; i < raw.Length; i++)
        {
            char[] chars = raw[i].ToCharArray();
            for (int c = 0; c < chars.Length; c++)
            {
                if (inBlock)
                {
                    if (chars[c] == '*' && c + 1 < chars.Length && chars[c + 1] == '/')
                    {
                        chars[c] = chars[c + 1] = ' ';
                        c++;
                        inBlock = false;
                    }
                    else
                    {
                        chars[c] = ' ';
                    }
                }
                else if (chars[c] == '/' && c + 1 < chars.Length && chars[c + 1] == '*')
                {
                    chars[c] = chars[c + 1] = ' ';
                    c++;
                    inBlock = true;
                }
                else if (chars[c] == '/' && c + 1 < chars.Length && chars[c + 1] == '/')
                {
                    Array.Fill(chars, ' ', c, chars.Length - c);
                    break;
                }
            }
            result[i] = new string(chars);
        }
        return result;
    }

    [GeneratedRegex(@"^\s*#\s*define\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)\s+\(?\s*(?<minus>-)?\s*(?<value>0[xX][0-9A-Fa-f]+|[0-9]+)[uUlL]*\s*\)?\s*$",
        RegexOptions.CultureInvariant)]
    private static partial Regex DefineRegex();
}

internal static class LineListExtensions
{
    /// <summary>Drops empty lines at the start and the end.</summary>
    public static List<string> TrimBlank(this List<string> lines)
    {
        int start = lines.FindIndex(l => l.Length > 0);
        if (start < 0)
            return [];
        int end = lines.FindLastIndex(l => l.Length > 0);
        return lines.GetRange(start, end - start + 1);
    }
}
