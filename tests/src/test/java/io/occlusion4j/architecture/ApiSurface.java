// Finds the native types (CUDA layers, kernels, the CUDA back end, java.lang.foreign) a class's API signatures mention.
package io.occlusion4j.architecture;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The rule of the API above the back ends: no public or protected signature of an exported package names a type of
 * {@link #NATIVE}. A signature here is everything a caller or subclass sees: the type's supertypes and type parameters;
 * each public or protected field's type; each constructor's and method's parameters, return type, thrown types and
 * type parameters; with every generic argument, wildcard bound, type-variable bound and array component inside them.
 * Public methods and fields inherited from a supertype count too (a hidden superclass's public method is callable
 * through its public subclass; javac gives the subclass a bridge method for it, which counts like any other).
 */
final class ApiSurface {
    /** The packages (and their subpackages) no API signature may mention. */
    static final List<String> NATIVE = List.of("io.occlusion4j.cuda", "io.occlusion4j.kernels", "io.occlusion4j.backend.cuda",
            "java.lang.foreign");

    private ApiSurface() {}

    /** Whether {@code c} is part of a package's API: a public top-level type, or a public or protected member type of one. */
    static boolean isApi(Class<?> c) {
        if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
            return false;
        }
        Class<?> outer = c.getDeclaringClass();
        return outer == null ? Modifier.isPublic(c.getModifiers()) : visible(c.getModifiers()) && isApi(outer);
    }

    /** Each mention of a native type in {@code c}'s API, as "where: type". */
    static List<String> violations(Class<?> c) {
        List<String> out = new ArrayList<>();
        String name = c.getName();
        for (TypeVariable<?> v : c.getTypeParameters()) {
            report(out, name + " type parameter " + v.getName(), v);
        }
        if (c.getGenericSuperclass() != null) {
            report(out, name + " extends", c.getGenericSuperclass());
        }
        for (Type i : c.getGenericInterfaces()) {
            report(out, name + " implements", i);
        }
        Set<Field> fields = new LinkedHashSet<>(List.of(c.getFields()));
        Set<Method> methods = new LinkedHashSet<>(List.of(c.getMethods()));
        for (Field f : c.getDeclaredFields()) {
            if (visible(f.getModifiers())) {
                fields.add(f);
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (visible(m.getModifiers())) {
                methods.add(m);
            }
        }
        for (Field f : fields) {
            if (!f.isSynthetic()) {
                report(out, where(c, f), f.getGenericType());
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (visible(k.getModifiers()) && !k.isSynthetic()) {
                executable(out, where(c, k), k);
            }
        }
        for (Method m : methods) { // bridges too: javac adds one to a public class for each public method of a hidden superclass
            executable(out, where(c, m), m);
            report(out, where(c, m) + " returns", m.getGenericReturnType());
        }
        return out;
    }

    private static void executable(List<String> out, String where, Executable e) {
        for (TypeVariable<?> v : e.getTypeParameters()) {
            report(out, where + " type parameter " + v.getName(), v);
        }
        for (Type p : e.getGenericParameterTypes()) {
            report(out, where + " parameter", p);
        }
        for (Type t : e.getGenericExceptionTypes()) {
            report(out, where + " throws", t);
        }
    }

    private static String where(Class<?> c, Member m) {
        String owner = m.getDeclaringClass() == c ? c.getName() : c.getName() + " (from " + m.getDeclaringClass().getName() + ")";
        return owner + "." + (m instanceof Constructor<?> ? "<init>" : m.getName());
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void report(List<String> out, String where, Type type) {
        for (Class<?> n : nativeTypesIn(type, new HashSet<>())) {
            out.add(where + ": " + n.getName());
        }
    }

    /** The native classes {@code type} mentions anywhere inside it. */
    static Set<Class<?>> nativeTypesIn(Type type, Set<Type> seen) {
        Set<Class<?>> out = new LinkedHashSet<>();
        if (!seen.add(type)) {
            return out; // a recursive bound such as <T extends Comparable<T>>
        }
        switch (type) {
            case Class<?> c when c.isArray() -> out.addAll(nativeTypesIn(c.getComponentType(), seen));
            case Class<?> c -> {
                if (isNative(c)) {
                    out.add(c);
                }
            }
            case ParameterizedType p -> {
                out.addAll(nativeTypesIn(p.getRawType(), seen));
                if (p.getOwnerType() != null) {
                    out.addAll(nativeTypesIn(p.getOwnerType(), seen));
                }
                for (Type a : p.getActualTypeArguments()) {
                    out.addAll(nativeTypesIn(a, seen));
                }
            }
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) {
                    out.addAll(nativeTypesIn(b, seen));
                }
                for (Type b : w.getLowerBounds()) {
                    out.addAll(nativeTypesIn(b, seen));
                }
            }
            case TypeVariable<?> v -> {
                for (Type b : v.getBounds()) {
                    out.addAll(nativeTypesIn(b, seen));
                }
            }
            case GenericArrayType g -> out.addAll(nativeTypesIn(g.getGenericComponentType(), seen));
            default -> throw new IllegalArgumentException("unknown kind of type: " + type);
        }
        return out;
    }

    private static boolean isNative(Class<?> c) {
        String p = c.getPackageName();
        for (String n : NATIVE) {
            if (p.equals(n) || p.startsWith(n + ".")) {
                return true;
            }
        }
        return false;
    }
}
