"""The rule table covers the op table: every op has a rule or an explicit mark."""

import inspect

from ember._ops import OPS
from ember.autograd.graph import rule_info
from ember.autograd.rules import DERIVATIVES, JVPS, NOT_DIFFERENTIABLE


def test_every_op_has_a_derivative_rule_or_a_mark():
    missing = [name for name in OPS if name not in DERIVATIVES]
    assert not missing, f"ops without a derivative rule or NOT_DIFFERENTIABLE mark: {missing}"


def test_every_rule_names_an_op():
    unknown = [name for name in DERIVATIVES if name not in OPS]
    assert not unknown, f"derivative rules for ops the core does not declare: {unknown}"


def test_forward_rules_name_differentiable_ops():
    bad = [n for n in JVPS if n not in OPS or DERIVATIVES.get(n) is NOT_DIFFERENTIABLE]
    assert not bad, f"forward rules for unknown or non-differentiable ops: {bad}"


def test_rules_take_grad_and_out_first():
    for name, rule in DERIVATIVES.items():
        if rule is NOT_DIFFERENTIABLE:
            continue
        params = list(inspect.signature(rule).parameters)
        assert len(params) >= 2, f"{name}: a rule takes (grad, out, *args)"
        rule_info(rule)  # parses
