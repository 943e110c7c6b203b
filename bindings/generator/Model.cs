namespace CnnNative.BindingsGenerator;

/// <summary>Everything the emitter needs from one header, in header order.</summary>
internal sealed record HeaderModel(
    IReadOnlyList<ConstantDecl> Constants,
    IReadOnlyList<EnumDecl> Enums,
    IReadOnlyList<StructDecl> Structs,
    IReadOnlyList<FunctionDecl> Functions);

/// <summary>A comment turned into plain lines (markers stripped); empty when there is none.</summary>
internal sealed record Doc(IReadOnlyList<string> Lines)
{
    public static readonly Doc None = new(Array.Empty<string>());
    public bool IsEmpty => Lines.Count == 0;
}

/// <summary>An object-like <c>#define NAME integer</c>.</summary>
internal sealed record ConstantDecl(string Name, long Value, int Line, Doc Doc);

internal sealed record EnumDecl(string CName, int Line, int SizeBits, IReadOnlyList<EnumMember> Members, Doc Doc);

internal sealed record EnumMember(string CName, long Value, Doc Doc);

/// <summary>A complete struct; opaque (incomplete) structs are handles and have no declaration here.</summary>
internal sealed record StructDecl(string CName, int Line, int SizeBits, int AlignBits, IReadOnlyList<FieldDecl> Fields, Doc Doc);

internal sealed record FieldDecl(string CName, CType Type, int SizeBits, int OffsetBits, Doc Doc);

internal sealed record FunctionDecl(string CName, int Line, CType Return, IReadOnlyList<ParamDecl> Params, Doc Doc);

internal sealed record ParamDecl(string CName, CType Type);

internal enum CTypeKind
{
    /// <summary>A C fundamental type (float, void, char, int) or a typedef from a system header (int32_t, size_t).</summary>
    Builtin,
    /// <summary>An enum declared in the header; Name is its typedef name (or tag).</summary>
    Enum,
    /// <summary>A complete struct declared in the header.</summary>
    Struct,
    /// <summary>An incomplete struct declared in the header: an opaque handle type.</summary>
    Opaque,
    Pointer,
    /// <summary>Anything else (arrays, function types, unions); Name is a description for error messages.</summary>
    Unsupported,
}

/// <summary>A C type as written, reduced to what the type map needs.</summary>
internal sealed record CType(CTypeKind Kind, string Name, CType? Pointee = null, bool IsConst = false)
{
    public CType AsConst() => this with { IsConst = true };

    public bool IsBuiltin(string name) => Kind == CTypeKind.Builtin && Name == name;

    /// <summary>C spelling for messages: <c>const char*</c>, <c>cnn_tensor**</c>.</summary>
    public override string ToString() => Kind == CTypeKind.Pointer
        ? Pointee + "*" + (IsConst ? " const" : "")
        : (IsConst ? "const " : "") + Name;
}

/// <summary>A problem in the header or the type map; the message names the declaration and the type.</summary>
internal sealed class GeneratorException(string message) : Exception(message);
