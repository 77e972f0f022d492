#!/usr/bin/env python3
"""Generates the JSON shape tables (Skiff.RuntimeSpec.Json) for plain property classes.

usage: tools/gen-json-shapes.py OUT.cs NAMESPACE CLASSNAME VISIBILITY SOURCE.cs [SOURCE.cs ...] [--ref SOURCE.cs ...]

Each `class` in the SOURCE files becomes one ObjectShape field of the generated static class; classes in --ref files
are taken from SpecShapes (Skiff.RuntimeSpec). A property's JSON name is its [JsonPropertyName] or its camelCased
name (System.Text.Json's camelCase rule, which the files were written with before). Run it again after adding a
property (the unit test JsonShapesTests fails until it is), from the repository root:

  tools/gen-json-shapes.py src/Skiff.RuntimeSpec/Json/SpecShapes.g.cs Skiff.RuntimeSpec.Json SpecShapes public \
      src/Skiff.RuntimeSpec/Spec.cs src/Skiff.RuntimeSpec/Features.cs
  tools/gen-json-shapes.py src/Skiff.LibContainer/Configs/SkiffShapes.g.cs Skiff.LibContainer.Configs SkiffShapes \
      internal src/Skiff.LibContainer/ContainerState.cs src/Skiff.LibContainer/Wire/InitConfig.cs \
      src/Skiff.LibContainer/Wire/MountIdMapping.cs src/Skiff.LibContainer/Wire/MountRequest.cs \
      --ref src/Skiff.RuntimeSpec/Spec.cs
"""
import re, sys

SCALARS = {
    "string": "String", "bool": "Bool", "int": "Int32", "uint": "UInt32", "long": "Int64",
    "ulong": "UInt64", "short": "Int16", "ushort": "UInt16", "DateTimeOffset": "DateTimeOffset",
}
# Immutable types written as another shape: type -> (shape of the JSON value, getter suffix, constructor from it).
CONVERTED = {
    "NamespaceSet": ("new ListShape(global::Skiff.RuntimeSpec.Json.SpecShapes.LinuxNamespace, () => new List<global::Skiff.RuntimeSpec.LinuxNamespace>())",
                     ".Entries", "new global::Skiff.LibContainer.Configs.NamespaceSet((List<global::Skiff.RuntimeSpec.LinuxNamespace>)v!)"),
}
GO_NAMES = {"LinuxIdMapping": "LinuxIDMapping", "PosixRlimit": "POSIXRlimit", "CpuAffinity": "CPUAffinity",
            "LinuxCpu": "LinuxCPU"}


def camel(name):
    # System.Text.Json's JsonNamingPolicy.CamelCase
    chars = list(name)
    for i in range(len(chars)):
        if i == 1 and not chars[i].isupper():
            break
        has_next = i + 1 < len(chars)
        if i > 0 and has_next and not chars[i + 1].isupper():
            if chars[i + 1] == ' ':
                chars[i] = chars[i].lower()
            break
        chars[i] = chars[i].lower()
    return "".join(chars)


def parse(path):
    """[(qualified class name, simple name, [(json, type, prop)])] in file order."""
    text = open(path).read()
    ns = re.search(r"^namespace ([\w.]+);", text, re.M).group(1)
    classes, stack, depth, pending = [], [], 0, None
    for line in text.splitlines():
        code = line.split("//")[0]
        m = re.search(r"\bclass (\w+)", code)
        if m and not code.strip().startswith("///"):
            pending = m.group(1)
        if pending and "{" in code:
            outer = [c for c, _ in stack]
            qual = ".".join([ns] + outer + [pending])
            stack.append((pending, depth))
            classes.append((qual, pending, []))
            cur = classes[-1]
            pending = None
        pm = re.match(r'\s*(?:\[JsonPropertyName\("([^"]+)"\)\]\s*)?public (?:required )?([\w<>,? .]+?) (\w+) \{ get; (?:set|init);', code)
        if pm and stack:
            owner = [c for c in classes if c[1] == stack[-1][0]][-1]
            owner[2].append((pm.group(1) or camel(pm.group(3)), pm.group(2).strip(), pm.group(3)))
        depth += code.count("{") - code.count("}")
        while stack and depth <= stack[-1][1]:
            stack.pop()
    return classes


def main():
    args = sys.argv[1:]
    out, ns, cls, vis = args[:4]
    rest = args[4:]
    own, refs = [], []
    target = own
    for a in rest:
        if a == "--ref":
            target = refs
            continue
        target.append(a)
    classes = [c for f in own for c in parse(f) if c[2]]
    ref_classes = {c[1]: c[0] for f in refs for c in parse(f) if c[2]}
    own_names = {c[1]: c[0] for c in classes}

    def shape(t, deps):
        t = t.rstrip("?")
        if t in SCALARS:
            return f"JsonShape.{SCALARS[t]}"
        m = re.match(r"(List|Dictionary|SortedDictionary)<(.+)>$", t)
        if m:
            kind, inner = m.group(1), m.group(2)
            if kind == "List":
                return f"new ListShape({shape(inner, deps)}, () => new List<{qualify(inner)}>())"
            key, val = [x.strip() for x in inner.split(",", 1)]
            assert key == "string", t
            return f"new MapShape({shape(val, deps)}, () => new {kind}<string, {qualify(val)}>())"
        if t in own_names:
            deps.add(t)
            return t
        if t in ref_classes:
            return f"global::Skiff.RuntimeSpec.Json.SpecShapes.{t}"
        raise SystemExit(f"unsupported property type {t}")

    def qualify(t):
        t = t.strip()
        nullable = "?" if t.endswith("?") else ""
        base = t.rstrip("?")
        m = re.match(r"(List|Dictionary|SortedDictionary)<(.+)>$", base)
        if m:
            parts = [qualify(x) for x in split_args(m.group(2))]
            return f"{m.group(1)}<{', '.join(parts)}>{nullable}"
        if base in own_names:
            return f"global::{own_names[base]}{nullable}"
        if base in ref_classes:
            return f"global::{ref_classes[base]}{nullable}"
        return t

    def split_args(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
                continue
            depth += ch == "<"
            depth -= ch == ">"
            cur += ch
        parts.append(cur)
        return [p.strip() for p in parts]

    bodies, deps_of = {}, {}
    for qual, name, props in classes:
        deps = set()
        lines = []
        for json, t, prop in props:
            settable = "true" if t.endswith("?") else "false"
            q = f"global::{qual}"
            if t in CONVERTED:
                shp, getter, ctor = CONVERTED[t]
                lines.append(
                    f'        new JsonField("{json}", {shp}, false, o => (({q})o).{prop}{getter}, (o, v) => (({q})o).{prop} = {ctor}),')
                continue
            lines.append(
                f'        new JsonField("{json}", {shape(t, deps)}, {settable}, o => (({q})o).{prop}, (o, v) => (({q})o).{prop} = ({qualify(t)})v!),')
        go = "specs." + GO_NAMES.get(name, name)
        bodies[name] = (f'    {vis} static readonly ObjectShape {name} = new("{go}", () => new global::{qual}(), () =>\n    [\n'
                        + "\n".join(lines) + "\n    ]);\n")
        deps_of[name] = deps - {name}
    order, seen = [], set()

    def visit(n):
        if n in seen:
            return
        seen.add(n)
        for d in sorted(deps_of[n]):
            visit(d)
        order.append(n)
    for _, name, _ in classes:
        visit(name)
    with open(out, "w") as f:
        f.write("// <auto-generated> by tools/gen-json-shapes.py from " + ", ".join(own) + "; do not edit. </auto-generated>\n")
        f.write("#nullable enable\nusing Skiff.RuntimeSpec.Json;\n\n")
        f.write(f"namespace {ns};\n\n")
        f.write(f"/// <summary>The JSON shapes of {', '.join(own)} (generated; dependencies first).</summary>\n")
        f.write(f"{vis} static class {cls}\n{{\n")
        f.write("\n".join(bodies[n] for n in order))
        f.write("}\n")


main()
