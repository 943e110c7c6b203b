using System.Globalization;
using System.Xml.Linq;

namespace CnnNative.BindingsGenerator;

/// <summary>
/// Turns castxml's XML (<c>--castxml-output=1</c>) into a <see cref="HeaderModel"/>: only declarations
/// written in the header itself, in header order, with their comments taken from the header text.
/// </summary>
internal sealed class CastXmlReader
{
    private readonly Dictionary<string, XElement> _byId;
    private readonly Dictionary<string, string> _typedefNames = []; // struct/enum id -> its typedef name
    private readonly string _headerFileId;
    private readonly HeaderText _text;

    private CastXmlReader(XDocument xml, string headerPath, HeaderText text)
    {
        _text = text;
        XElement root = xml.Root ?? throw new GeneratorException("castxml output is empty");
        _byId = root.Elements().Where(e => e.Attribute("id") is not null).ToDictionary(e => Attr(e, "id"));
        string fullHeader = Path.GetFullPath(headerPath);
        _headerFileId = root.Elements("File")
            .Where(f => Path.GetFullPath(Attr(f, "name")) == fullHeader)
            .Select(f => Attr(f, "id"))
            .FirstOrDefault()
            ?? throw new GeneratorException($"castxml output has no declarations from {fullHeader}");

        foreach (XElement typedef in HeaderDeclarations().Where(e => e.Name == "Typedef"))
        {
            XElement target = _byId[Attr(typedef, "type")];
            while (target.Name == "ElaboratedType")
                target = _byId[Attr(target, "type")];
            if (target.Name == "Struct" || target.Name == "Enumeration")
                _typedefNames.TryAdd(Attr(target, "id"), Attr(typedef, "name"));
        }
    }

    public static HeaderModel Read(string xmlPath, string headerPath, HeaderText text)
    {
        var reader = new CastXmlReader(XDocument.Load(xmlPath), headerPath, text);
        return reader.Read();
    }

    private HeaderModel Read()
    {
        var enums = new List<EnumDecl>();
        var structs = new List<StructDecl>();
        var functions = new List<FunctionDecl>();
        foreach (XElement e in HeaderDeclarations())
        {
            switch (e.Name.LocalName)
            {
                case "Typedef":
                    break; // names only: types are resolved through them
                case "Enumeration":
                    enums.Add(ReadEnum(e));
                    break;
                case "Struct" when Attr(e, "incomplete", "") == "1":
                    break; // opaque handle type
                case "Struct":
                    structs.Add(ReadStruct(e));
                    break;
                case "Function":
                    functions.Add(ReadFunction(e));
                    break;
                default:
                    throw new GeneratorException(
                        $"line {Line(e)}: {e.Name.LocalName} '{Attr(e, "name", "")}' is not supported by the bindings generator");
            }
        }
        return new HeaderModel(_text.IntegerDefines(), enums, structs, functions);
    }

    // Declarations at file scope of the header, in header order.
    private IEnumerable<XElement> HeaderDeclarations() =>
        _byId.Values
            .Where(e => Attr(e, "file", "") == _headerFileId && e.Attribute("context") is not null
                        && _byId[Attr(e, "context")].Name == "Namespace")
            .OrderBy(Line)
            .ThenBy(e => int.Parse(Attr(e, "id").TrimStart('_'), CultureInfo.InvariantCulture));

    private EnumDecl ReadEnum(XElement e)
    {
        string name = DeclName(e);
        var members = new List<EnumMember>();
        int line = Line(e);
        foreach (XElement value in e.Elements("EnumValue"))
        {
            string memberName = Attr(value, "name");
            line = _text.FindIdentifier(memberName, line);
            long init = long.Parse(Attr(value, "init"), CultureInfo.InvariantCulture);
            // A member on the enum's own line must not take the enum's comment.
            members.Add(new EnumMember(memberName, init, _text.DocFor(line, above: line != Line(e))));
        }
        return new EnumDecl(name, Line(e), Bits(e, "size"), members, _text.DocFor(Line(e), trailing: false));
    }

    private StructDecl ReadStruct(XElement e)
    {
        string name = DeclName(e);
        var fields = new List<FieldDecl>();
        foreach (string id in Attr(e, "members", "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            XElement member = _byId[id];
            if (member.Name != "Field" || member.Attribute("bits") is not null)
                throw new GeneratorException(
                    $"line {Line(member)}: struct {name}: member '{Attr(member, "name", "")}' is a {(member.Name == "Field" ? "bit field" : member.Name.LocalName)}, which the bindings cannot express");
            string typeId = Attr(member, "type");
            fields.Add(new FieldDecl(Attr(member, "name"), Resolve(typeId), SizeBits(typeId), Bits(member, "offset"),
                _text.DocFor(Line(member))));
        }
        return new StructDecl(name, Line(e), Bits(e, "size"), Bits(e, "align"), fields, _text.DocFor(Line(e), trailing: false));
    }

    private FunctionDecl ReadFunction(XElement e)
    {
        string name = Attr(e, "name");
        int line = Line(e);
        if (Attr(e, "static", "") == "1" || e.Element("Ellipsis") is not null)
            throw new GeneratorException($"line {line}: function {name}: static and variadic functions cannot be bound");
        var parameters = e.Elements("Argument")
            .Select((a, i) => new ParamDecl(Attr(a, "name", $"arg{i}"), Resolve(Attr(a, "type"))))
            .ToList();
        var doc = _text.DocFor(line, trailing: false).Lines
            .Concat(_text.DocFor(_text.FindStatementEnd(line), above: false).Lines)
            .ToList();
        return new FunctionDecl(name, line, Resolve(Attr(e, "returns")), parameters, doc.Count == 0 ? Doc.None : new Doc(doc));
    }

    /// <summary>The C type behind a castxml type id, stopping at system typedefs such as int32_t.</summary>
    private CType Resolve(string id)
    {
        XElement e = _byId[id];
        bool inHeader = Attr(e, "file", "") == _headerFileId;
        return e.Name.LocalName switch
        {
            "FundamentalType" => new CType(CTypeKind.Builtin, Attr(e, "name")),
            "Typedef" when !inHeader => new CType(CTypeKind.Builtin, Attr(e, "name")),
            "Typedef" or "ElaboratedType" => Resolve(Attr(e, "type")),
            "CvQualifiedType" when Attr(e, "volatile", "") == "1" || Attr(e, "restrict", "") == "1" =>
                new CType(CTypeKind.Unsupported, "volatile/restrict " + Resolve(Attr(e, "type"))),
            "CvQualifiedType" => Attr(e, "const", "") == "1" ? Resolve(Attr(e, "type")).AsConst() : Resolve(Attr(e, "type")),
            "PointerType" => new CType(CTypeKind.Pointer, "*", Resolve(Attr(e, "type"))),
            "Enumeration" when inHeader => new CType(CTypeKind.Enum, DeclName(e)),
            "Struct" when inHeader => new CType(Attr(e, "incomplete", "") == "1" ? CTypeKind.Opaque : CTypeKind.Struct, DeclName(e)),
            "ArrayType" => new CType(CTypeKind.Unsupported, $"{Resolve(Attr(e, "type"))}[]"),
            "FunctionType" => new CType(CTypeKind.Unsupported, "function type"),
            _ => new CType(CTypeKind.Unsupported, $"{e.Name.LocalName.ToLowerInvariant()} {Attr(e, "name", "")}".Trim()),
        };
    }

    private int SizeBits(string id)
    {
        XElement e = _byId[id];
        return e.Attribute("size") is not null ? Bits(e, "size")
            : e.Attribute("type") is not null ? SizeBits(Attr(e, "type"))
            : 0;
    }

    // A struct or enum is known by its typedef name when it has one, else by its tag.
    private string DeclName(XElement e)
    {
        if (_typedefNames.TryGetValue(Attr(e, "id"), out string? name))
            return name;
        string tag = Attr(e, "name", "");
        return tag.Length > 0 ? tag
            : throw new GeneratorException($"line {Line(e)}: an anonymous {e.Name.LocalName.ToLowerInvariant()} needs a typedef name");
    }

    private static int Line(XElement e) => int.Parse(Attr(e, "line", "0"), CultureInfo.InvariantCulture);

    private static int Bits(XElement e, string attribute) => int.Parse(Attr(e, attribute), CultureInfo.InvariantCulture);

    private static string Attr(XElement e, string name) =>
        e.Attribute(name)?.Value ?? throw new GeneratorException($"castxml element {e.Name} has no '{name}' attribute");

    private static string Attr(XElement e, string name, string fallback) => e.Attribute(name)?.Value ?? fallback;
}
