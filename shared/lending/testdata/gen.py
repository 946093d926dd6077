# Prints the golden table of schedule_test.go from ref.py, an independent
# Fraction-based implementation of the conventions in doc.go.
# Run: cd testdata && python3 -B gen.py
from ref import schedule, apr_bp
cases = [
 ("worked example: 10000.00 CNY, 12 months, 18%, 1% fee deducted; last installment +1 fen residue", 1000000, 12, 'equal_installment', 1800, (2026,1,15), dict(upfront_bp=100, deducted=True)),
 ("36 months from the 31st, crosses leap February 2028", 5000000, 36, 'equal_installment', 1500, (2026,3,31), {}),
 ("1 month equal installment from Jan 31", 1000000, 1, 'equal_installment', 2400, (2026,1,31), {}),
 ("equal principal, 1-fen residue, leap Feb 29 2028", 1000001, 6, 'equal_principal', 1200, (2028,1,31), {}),
 ("interest first from May 31", 2000000, 3, 'interest_first', 1800, (2026,5,31), {}),
 ("bullet 6 months: simple interest, APR below nominal", 1000000, 6, 'bullet', 1800, (2026,1,31), {}),
 ("bullet 1 month equals interest first 1 month", 1000000, 1, 'bullet', 1800, (2026,1,31), {}),
 ("interest first 1 month", 1000000, 1, 'interest_first', 1800, (2026,1,31), {}),
 ("flat upfront fee on first installment plus 0.1%/month service fee", 300000, 12, 'equal_installment', 1000, (2026,2,28), dict(upfront_flat=5000, svc_bp=10)),
 ("equal principal 36 months, flat service fee, Nov 30 start", 3600000, 36, 'equal_principal', 2000, (2027,11,30), dict(svc_flat=500)),
 ("zero rate: APR 0, last installment +1 fen", 1000000, 3, 'equal_installment', 0, (2026,1,1), {}),
 ("100 CNY for 1 month: fen rounding moves the APR 6 bp", 10000, 1, 'interest_first', 1806, (2026,1,1), {}),
 ("bullet 12 months with deducted fee and service fee", 1000000, 12, 'bullet', 1200, (2026,1,31), dict(upfront_bp=200, deducted=True, svc_bp=5)),
]
mm = {'equal_installment':'EqualInstallment','equal_principal':'EqualPrincipal','interest_first':'InterestFirst','bullet':'Bullet'}
for name, P, n, m, bp, start, kw in cases:
    rows, up, net = schedule(P, n, m, bp, start, **kw)
    apr, a = apr_bp(net, rows)
    ti = sum(r['interest'] for r in rows); tf = sum(r['fee'] for r in rows) + (up if kw.get('deducted') else 0)
    tr = sum(r['total'] for r in rows)
    t = f"Terms{{AmountFen: {P}, TermMonths: {n}, Method: {mm[m]}, AnnualRateBP: {bp}, StartDate: Date{{{start[0]}, {start[1]}, {start[2]}}}"
    if kw.get('upfront_bp'): t += f", UpfrontFee: FeeRule{{RateBP: {kw['upfront_bp']}}}"
    if kw.get('upfront_flat'): t += f", UpfrontFee: FeeRule{{FlatFen: {kw['upfront_flat']}}}"
    if kw.get('deducted'): t += ", UpfrontFeeDeducted: true"
    if kw.get('svc_bp'): t += f", ServiceFee: FeeRule{{RateBP: {kw['svc_bp']}}}"
    if kw.get('svc_flat'): t += f", ServiceFee: FeeRule{{FlatFen: {kw['svc_flat']}}}"
    t += "}"
    print("\t{")
    print(f"\t\tname:  {name!r},".replace("'", '"'))
    print(f"\t\tterms: {t},")
    print(f"\t\t// exact IRR {apr:.6f} bp")
    print(f"\t\tupfront: {up}, net: {net}, interest: {ti}, fee: {tf}, repay: {tr}, apr: {a},")
    print("\t\trows: []row{")
    for r in rows:
        print(f"\t\t\t{{{r['seq']}, \"{r['due']}\", {r['principal']}, {r['interest']}, {r['fee']}, {r['total']}, {r['remaining']}}},")
    print("\t\t},")
    print("\t},")
