namespace Dativo.Lake.Iceberg.Scan;

public enum Op { Eq, NotEq, Lt, LtEq, Gt, GtEq, IsNull, NotNull }

/// <summary>A row filter: predicates on columns (by current name) combined with AND.</summary>
public abstract record Expr
{
    public static Expr True { get; } = new TrueExpr();

    public static Expr operator &(Expr a, Expr b) => And(a, b);

    public static Expr And(Expr a, Expr b) => a is TrueExpr ? b : b is TrueExpr ? a : new AndExpr(a, b);

    public static Predicate Eq(string column, object value) => new(column, Op.Eq, value);
    public static Predicate NotEq(string column, object value) => new(column, Op.NotEq, value);
    public static Predicate Lt(string column, object value) => new(column, Op.Lt, value);
    public static Predicate LtEq(string column, object value) => new(column, Op.LtEq, value);
    public static Predicate Gt(string column, object value) => new(column, Op.Gt, value);
    public static Predicate GtEq(string column, object value) => new(column, Op.GtEq, value);
    public static Predicate IsNull(string column) => new(column, Op.IsNull, null);
    public static Predicate NotNull(string column) => new(column, Op.NotNull, null);

    /// <summary>The conjuncts of an AND tree.</summary>
    public IEnumerable<Predicate> Conjuncts() => this switch
    {
        Predicate p => [p],
        AndExpr a => a.Left.Conjuncts().Concat(a.Right.Conjuncts()),
        _ => [],
    };
}

public sealed record TrueExpr : Expr;

public sealed record AndExpr(Expr Left, Expr Right) : Expr;

/// <summary><c>column op literal</c>; the literal may be a CLR value (DateOnly, DateTime, decimal, …) or the Iceberg representation.</summary>
public sealed record Predicate(string Column, Op Op, object? Literal) : Expr;
