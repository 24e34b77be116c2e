using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Kura.Tests.Architecture;

/// <summary>One type of an assembly that names a forbidden type, and the forbidden type it names.</summary>
public sealed record Offence(string Type, string Reference)
{
    public override string ToString() => $"{Type} -> {Reference}";
}

/// <summary>
/// Reads an assembly's IL with Mono.Cecil and lists every type that names a forbidden type: in its base type,
/// interfaces, attributes, fields, properties, method signatures, locals and instructions (calls, field accesses,
/// casts, generic arguments). Compiler-generated nested types (async state machines, lambda closures, iterators)
/// are read too and reported under their outermost declaring type, so a reference made inside an async lambda counts.
/// </summary>
public static class ReferenceChecker
{
    public static IReadOnlyList<Offence> Offences(string assemblyPath, Func<TypeReference, bool> forbidden, Func<TypeDefinition, bool>? scope = null)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
        var found = new SortedSet<Offence>(Comparer<Offence>.Create((a, b) =>
            string.CompareOrdinal(a.ToString(), b.ToString())));
        foreach (var type in assembly.MainModule.Types)
        {
            if (type.Name == "<Module>" || (scope is not null && !scope(type)))
            {
                continue;
            }

            foreach (var nested in WithNested(type))
            {
                foreach (var reference in Referenced(nested))
                {
                    foreach (var named in Expand(reference))
                    {
                        if (forbidden(named))
                        {
                            found.Add(new Offence(type.FullName, named.FullName));
                        }
                    }
                }
            }
        }

        return [.. found];
    }

    /// <summary>The assemblies a module references by name (its AssemblyRef table).</summary>
    public static IReadOnlyList<string> AssemblyReferences(string assemblyPath)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
        return [.. assembly.MainModule.AssemblyReferences.Select(r => r.Name).Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<TypeDefinition> WithNested(TypeDefinition type)
    {
        yield return type;
        foreach (var nested in type.NestedTypes)
        {
            foreach (var inner in WithNested(nested))
            {
                yield return inner;
            }
        }
    }

    private static IEnumerable<TypeReference> Referenced(TypeDefinition type)
    {
        if (type.BaseType is not null)
        {
            yield return type.BaseType;
        }

        foreach (var i in type.Interfaces)
        {
            yield return i.InterfaceType;
        }

        foreach (var a in Attributes(type))
        {
            yield return a;
        }

        foreach (var field in type.Fields)
        {
            yield return field.FieldType;
            foreach (var a in Attributes(field))
            {
                yield return a;
            }
        }

        foreach (var property in type.Properties)
        {
            yield return property.PropertyType;
        }

        foreach (var e in type.Events)
        {
            yield return e.EventType;
        }

        foreach (var method in type.Methods)
        {
            foreach (var r in Referenced(method))
            {
                yield return r;
            }
        }
    }

    private static IEnumerable<TypeReference> Referenced(MethodDefinition method)
    {
        yield return method.ReturnType;
        foreach (var p in method.Parameters)
        {
            yield return p.ParameterType;
            foreach (var a in Attributes(p))
            {
                yield return a;
            }
        }

        foreach (var a in Attributes(method))
        {
            yield return a;
        }

        foreach (var g in method.GenericParameters)
        {
            foreach (var c in g.Constraints)
            {
                yield return c.ConstraintType;
            }
        }

        if (!method.HasBody)
        {
            yield break;
        }

        foreach (var local in method.Body.Variables)
        {
            yield return local.VariableType;
        }

        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.Operand)
            {
                case TypeReference t:
                    yield return t;
                    break;
                case MethodReference m:
                    yield return m.DeclaringType;
                    yield return m.ReturnType;
                    foreach (var p in m.Parameters)
                    {
                        yield return p.ParameterType;
                    }

                    if (m is GenericInstanceMethod gm)
                    {
                        foreach (var arg in gm.GenericArguments)
                        {
                            yield return arg;
                        }
                    }

                    break;
                case FieldReference f:
                    yield return f.DeclaringType;
                    yield return f.FieldType;
                    break;
                case CallSite c:
                    yield return c.ReturnType;
                    break;
                default:
                    break;
            }
        }

        foreach (var handler in method.Body.ExceptionHandlers)
        {
            if (handler.CatchType is not null)
            {
                yield return handler.CatchType;
            }
        }
    }

    private static IEnumerable<TypeReference> Attributes(ICustomAttributeProvider provider) =>
        provider.HasCustomAttributes ? provider.CustomAttributes.Select(a => a.AttributeType) : [];

    /// <summary>A type and the types inside it: element types of arrays, pointers and by-refs, generic arguments.</summary>
    private static IEnumerable<TypeReference> Expand(TypeReference type)
    {
        var pending = new Stack<TypeReference>();
        pending.Push(type);
        while (pending.Count > 0)
        {
            var t = pending.Pop();
            switch (t)
            {
                case GenericInstanceType g:
                    pending.Push(g.ElementType);
                    foreach (var arg in g.GenericArguments)
                    {
                        pending.Push(arg);
                    }

                    break;
                case TypeSpecification s:
                    pending.Push(s.ElementType);
                    break;
                case GenericParameter:
                    break;
                default:
                    yield return t;
                    break;
            }
        }
    }
}
