# Independent reference for wxlend schedule and APR conventions: Python
# fractions for the schedule, 60-digit decimals and 200 bisection steps for
# the IRR. Shares no code with the Go implementation.
from fractions import Fraction as F
import calendar, sys, json
from decimal import Decimal, getcontext
getcontext().prec = 60

def rhu(x):  # round half away from zero, Fraction -> int
    x = F(x)
    s = 1 if x >= 0 else -1
    a = abs(x)
    q, r = divmod(a.numerator, a.denominator)
    if 2*r >= a.denominator: q += 1
    return s*q

def add_months(y, m, d, n):
    t = y*12 + (m-1) + n
    yy, mm = divmod(t, 12); mm += 1
    return (yy, mm, min(d, calendar.monthrange(yy, mm)[1]))

def schedule(P, n, method, bp, start, upfront_bp=0, upfront_flat=0, deducted=False, svc_bp=0, svc_flat=0):
    r = F(bp, 120000)
    rows = []
    if method == 'bullet':
        rows.append([n, P, rhu(P*r*n)])
    else:
        rem = P
        if method == 'equal_installment':
            pmt = rhu(P/n) if bp == 0 else rhu(P*r*(1+r)**n/((1+r)**n-1))
        for k in range(1, n+1):
            i = rhu(rem*r)
            if k == n: p = rem
            elif method == 'equal_installment': p = pmt - i
            elif method == 'equal_principal': p = rhu(F(P, n))
            else: p = 0
            rem -= p
            rows.append([k, p, i])
    up = upfront_flat if upfront_flat else rhu(F(P*upfront_bp, 10000))
    mfee = svc_flat if svc_flat else rhu(F(P*svc_bp, 10000))
    out = []; rem = P
    for idx, (month, p, i) in enumerate(rows):
        months = n if method == 'bullet' else 1
        fee = mfee*months + (up if idx == 0 and not deducted else 0)
        rem -= p
        y, m, d = add_months(*start, month)
        out.append(dict(seq=idx+1, month=month, due="%04d-%02d-%02d" % (y, m, d), principal=p, interest=i, fee=fee, total=p+i+fee, remaining=rem))
    net = P - (up if deducted else 0)
    return out, up, net

def apr_bp(net, rows):
    # NPV(i) = net - sum total_k/(1+i)^month ; increasing in i. Bisection in Decimal.
    def npv(i):
        return Decimal(net) - sum(Decimal(r['total'])/(1+i)**r['month'] for r in rows)
    lo, hi = Decimal(0), Decimal(10)
    for _ in range(200):
        mid = (lo+hi)/2
        if npv(mid) > 0: hi = mid
        else: lo = mid
    apr = lo*12*10000
    return apr, int((apr + Decimal('0.5')).to_integral_value(rounding='ROUND_FLOOR'))

def show(name, P, n, method, bp, start, **kw):
    rows, up, net = schedule(P, n, method, bp, start, **kw)
    apr, a = apr_bp(net, rows)
    ti = sum(r['interest'] for r in rows); tf = sum(r['fee'] for r in rows) + (up if kw.get('deducted') else 0)
    tr = sum(r['total'] for r in rows)
    print(f"== {name}: P={P} n={n} {method} {bp}bp start={start} {kw}")
    print(f"   upfront={up} net={net} total_interest={ti} total_fee={tf} total_repay={tr} apr_exact={apr:.6f}bp apr_bp={a}")
    for r in rows:
        print(f"   {{{r['seq']}, \"{r['due']}\", {r['principal']}, {r['interest']}, {r['fee']}, {r['total']}, {r['remaining']}}},")

if __name__ == '__main__':
    show("worked", 1000000, 12, 'equal_installment', 1800, (2026, 1, 31), upfront_bp=100, deducted=True)
