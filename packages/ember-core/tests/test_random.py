"""Random numbers: generators and seeding, determinism, shapes and dtypes, bad input.

Distribution statistics of every random op are checked by the OpInfo rows
(``ember/testing/opinfos/random.py``); here are the behaviours those cannot see.
"""

import numpy as np
import pytest

import ember
import ember.random as er
from ember._ops.random import (
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)


@pytest.fixture(autouse=True)
def restore_default_generators():
    """Tests here reseed the defaults; leave them as they were for other tests."""
    states = {d: g.get_state() for d, g in er._defaults.items()}
    seed = er._global_seed[0]
    yield
    for d, state in states.items():
        er._defaults[d].set_state(state)
    er._global_seed[0] = seed


def gen(seed=0):
    return ember.Generator().manual_seed(seed)


def values(t):
    return np.asarray(t._data)


# ---- determinism and generator state ------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        lambda g: rand(5, generator=g),
        lambda g: randn(5, generator=g),
        lambda g: randint(0, 100, (5,), generator=g),
        lambda g: randperm(10, generator=g),
        lambda g: ember.normal(0.0, 1.0, (5,), generator=g),
        lambda g: ember.zeros(5).uniform_(generator=g),
        lambda g: ember.multinomial(ember.ones(10), 5, generator=g),
    ],
)
def test_same_seed_same_numbers(draw):
    a, b, c = draw(gen(1)), draw(gen(1)), draw(gen(2))
    assert np.array_equal(values(a), values(b))
    assert not np.array_equal(values(a), values(c))


def test_generator_get_and_set_state():
    g = gen(0)
    rand(3, generator=g)
    state = g.get_state()
    assert state.dtype is ember.uint8 and state.device == ember.device("cpu")
    first = values(randn(4, generator=g))
    g.set_state(state)
    assert np.array_equal(values(randn(4, generator=g)), first)
    other = ember.Generator().set_state(state)  # a state carries the seed too
    assert other.initial_seed() == 0
    assert np.array_equal(values(randn(4, generator=other)), first)


def test_set_state_refuses_foreign_states():
    g = gen(0)
    with pytest.raises(TypeError, match="set_state: expected a CPU uint8 tensor"):
        g.set_state(ember.zeros(3))
    with pytest.raises(RuntimeError, match="set_state: not a generator state"):
        g.set_state(ember.zeros(3, dtype=ember.uint8))


def test_seeds():
    g = ember.Generator()
    assert g.initial_seed() == 67280421310721  # PyTorch's default seed
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1  # negative seeds wrap, as in torch
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2**63
    with pytest.raises(ValueError, match=r"manual_seed: seed must be in \[-2\*\*63, 2\*\*64 - 1\]"):
        g.manual_seed(2**64)
    with pytest.raises(TypeError, match="manual_seed: seed must be an int, got float"):
        g.manual_seed(1.5)


def test_global_seeding():
    er.manual_seed(123)
    assert er.initial_seed() == 123
    a = values(rand(3))
    er.manual_seed(123)
    assert np.array_equal(values(rand(3)), a)
    state = er.get_rng_state()
    b = values(randn(3))
    er.set_rng_state(state)
    assert np.array_equal(values(randn(3)), b)
    s = er.seed()
    assert er.initial_seed() == s


def test_generators_made_after_manual_seed_start_from_it():
    er.manual_seed(7)
    fresh = er.Generator().manual_seed(7)
    er._defaults.pop(ember.device("cpu"))  # as if the CPU default were made only now
    assert np.array_equal(values(rand(3)), values(rand(3, generator=fresh)))


def test_fork_rng_restores_the_streams():
    er.manual_seed(0)
    expected = values(rand(3))
    er.manual_seed(0)
    with er.fork_rng():
        rand(100)
    assert np.array_equal(values(rand(3)), expected)
    with er.fork_rng(enabled=False):
        pass
    with (
        pytest.raises(ValueError, match="fork_rng: device_type must be 'cuda'"),
        er.fork_rng(device_type="mps"),
    ):
        pass


def test_a_cuda_generator_is_refused_for_cpu_tensors():
    class FakeCuda:
        device = ember.device("cuda")

    with pytest.raises(RuntimeError, match="expected a cpu generator"):
        ember.zeros(3).uniform_(generator=FakeCuda())
    with pytest.raises(RuntimeError, match="expected a cpu generator"):
        rand(3, generator=FakeCuda())


# ---- creation functions -----------------------------------------------------------------


def test_rand_and_randn_shapes_and_dtypes():
    g = gen()
    assert rand(2, 3, generator=g).shape == (2, 3)
    assert rand((2, 3), generator=g).shape == (2, 3)
    assert rand((), generator=g).shape == ()
    assert rand(0, generator=g).shape == (0,)
    for dtype in (ember.float16, ember.bfloat16, ember.float32, ember.float64, ember.complex64):
        assert rand(4, dtype=dtype, generator=g).dtype is dtype
        assert randn(4, dtype=dtype, generator=g).dtype is dtype
    x = ember.zeros(2, 5, dtype=ember.float64)
    assert rand_like(x).dtype is ember.float64 and randn_like(x).shape == (2, 5)


def test_low_precision_rand_stays_below_one():
    for dtype in (ember.float16, ember.bfloat16):
        v = values(rand(100_000, dtype=dtype, generator=gen())).astype(np.float64)
        assert v.min() >= 0 and v.max() < 1


def test_complex_randn_has_unit_variance():
    v = values(randn(50_000, dtype=ember.complex64, generator=gen()))
    assert abs(np.mean(np.abs(v) ** 2) - 1) < 0.03
    assert abs(v.real.var() - 0.5) < 0.02


def test_rand_errors():
    with pytest.raises(RuntimeError, match="rand: expected a floating point or complex dtype"):
        rand(2, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="randn: expected a floating point"):
        randn_like(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="rand: negative dimension -1"):
        rand(-1)


def test_randint_overloads_and_ranges():
    g = gen()
    a = randint(10, (1000,), generator=g)
    assert a.dtype is ember.int64 and values(a).min() >= 0 and values(a).max() < 10
    b = randint(3, 10, (2, 500), generator=g)
    assert b.shape == (2, 500) and values(b).min() >= 3 and values(b).max() == 9
    assert randint(10, size=(2,)).shape == (2,)
    assert randint(low=2, high=4, size=(3,)).shape == (3,)
    assert randint(0, 2, (4,), dtype=ember.bool).dtype is ember.bool
    assert randint(3, 10, (3,), dtype=ember.float32).dtype is ember.float32
    assert randint(0, 256, (4,), dtype=ember.uint8).dtype is ember.uint8
    like = randint_like(ember.zeros(3), 5)
    assert like.dtype is ember.float32 and values(like).max() < 5
    assert values(randint_like(ember.zeros(3, dtype=ember.int32), 3, 10)).min() >= 3


def test_randint_errors():
    with pytest.raises(RuntimeError, match="randint: expected low < high, got low=10 >= high=3"):
        randint(10, 3, (3,))
    with pytest.raises(
        RuntimeError, match=r"randint: range \[-1, 300\) is out of bounds for uint8"
    ):
        randint(-1, 300, (3,), dtype=ember.uint8)
    with pytest.raises(TypeError, match=r"randint: expected \(high, size\) or \(low, high, size\)"):
        randint(3)
    with pytest.raises(RuntimeError, match="randint: integers cannot be drawn into a complex64"):
        randint(0, 3, (2,), dtype=ember.complex64)


def test_randperm():
    p = randperm(100, generator=gen())
    assert p.dtype is ember.int64 and sorted(values(p).tolist()) == list(range(100))
    assert randperm(0).shape == (0,)
    assert randperm(5, dtype=ember.float32).dtype is ember.float32
    with pytest.raises(RuntimeError, match="randperm: n must be non-negative, got -1"):
        randperm(-1)
    with pytest.raises(RuntimeError, match="randperm: n=300 is too large for uint8"):
        randperm(300, dtype=ember.uint8)


# ---- ops --------------------------------------------------------------------------------


def test_normal_overloads():
    m = ember.zeros(3)
    assert ember.normal(m, 1.0).shape == (3,)
    assert ember.normal(0.0, ember.ones(2, 1)).shape == (2, 1)
    assert ember.normal(m, ember.ones(2, 1)).shape == (2, 3)
    assert ember.normal(2.0, 3.0, (2, 3)).dtype is ember.float32
    assert ember.normal(2.0, 3.0, size=(2,), dtype=ember.float64).dtype is ember.float64
    assert ember.normal(m, ember.ones(3, dtype=ember.float64)).dtype is ember.float32
    assert ember.normal(m.to(ember.float64), ember.ones(3)).dtype is ember.float64


def test_normal_errors():
    with pytest.raises(RuntimeError, match=r"normal: expected std >= 0\.0, got -1"):
        ember.normal(ember.zeros(3), -1.0)
    with pytest.raises(RuntimeError, match=r"normal: expected std >= 0\.0, got a negative std"):
        ember.normal(0.0, ember.tensor([1.0, -1.0]))
    with pytest.raises(
        RuntimeError, match="normal: expected a floating point or complex mean, got int64"
    ):
        ember.normal(ember.zeros(3, dtype=ember.int64), 1.0)
    with pytest.raises(TypeError, match="normal: with a number mean and std, size is required"):
        ember.normal(0.0, 1.0)
    with pytest.raises(TypeError, match="normal: size, dtype and device are only taken"):
        ember.normal(ember.zeros(2), 1.0, (2,))


def test_bernoulli():
    p = ember.tensor([0.0, 1.0, 1.0, 0.0])
    assert ember.bernoulli(p).tolist() == [0.0, 1.0, 1.0, 0.0]
    assert p.bernoulli().dtype is ember.float32
    assert ember.bernoulli(ember.zeros(3), p=1.0).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match=r"bernoulli: expected all probabilities in \[0, 1\]"):
        ember.bernoulli(ember.tensor([2.0]))
    with pytest.raises(RuntimeError, match=r"bernoulli: expected p in \[0, 1\], got 1.5"):
        ember.bernoulli(ember.tensor([0.5]), 1.5)
    with pytest.raises(RuntimeError, match="bernoulli: expected a real floating point input"):
        ember.bernoulli(ember.tensor([1, 0]))


def test_bernoulli_inplace_takes_a_tensor_p():
    x = ember.zeros(4, dtype=ember.int64)
    x.bernoulli_(ember.tensor([0.0, 1.0, 0.0, 1.0]))
    assert x.tolist() == [0, 1, 0, 1]
    with pytest.raises(RuntimeError, match=r"bernoulli_: p of shape \(2,\) cannot be expanded"):
        ember.zeros(3).bernoulli_(ember.full((2,), 0.5))


def test_multinomial():
    g = gen()
    w = ember.tensor([0.0, 10.0, 0.0, 1.0])
    draws = values(ember.multinomial(w, 1000, True, generator=g))
    assert set(draws.tolist()) <= {1, 3} and (draws == 1).mean() > 0.85
    rows = ember.multinomial(ember.tensor([[0.0, 1.0, 1.0], [1.0, 1.0, 1.0]]), 3, generator=g)
    assert rows.shape == (2, 3) and values(rows)[0, 2] == 0  # the zero weight comes last
    assert all(sorted(r) == [0, 1, 2] for r in values(rows).tolist())
    assert w.multinomial(2).shape == (2,)


@pytest.mark.parametrize(
    ("probs", "n", "kwargs", "error", "match"),
    [
        ([0.2, 0.8], 4, {}, RuntimeError, "cannot sample n_sample > prob_dist.size"),
        ([-0.2, 0.8], 1, {}, RuntimeError, "contains either `inf`, `nan` or element < 0"),
        ([float("nan"), 2.0], 1, {}, RuntimeError, "contains either `inf`, `nan`"),
        ([0.0, 0.0], 1, {}, RuntimeError, r"sum of probabilities <= 0"),
        ([0.5, 0.5], 0, {}, RuntimeError, "cannot sample n_sample <= 0 samples"),
        ([0.5, 0.5], 1.5, {}, TypeError, "num_samples must be an int"),
    ],
)
def test_multinomial_errors(probs, n, kwargs, error, match):
    with pytest.raises(error, match=f"multinomial: .*{match}"):
        ember.multinomial(ember.tensor(probs), n, **kwargs)


def test_multinomial_refuses_bad_shapes_and_dtypes():
    with pytest.raises(RuntimeError, match="multinomial: prob_dist must be 1 or 2 dim, got 3"):
        ember.multinomial(ember.ones(2, 2, 2), 1)
    with pytest.raises(
        RuntimeError, match="multinomial: expected a real floating point probability tensor"
    ):
        ember.multinomial(ember.tensor([1, 2]), 1)


def test_poisson():
    assert ember.poisson(ember.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    assert ember.poisson(ember.ones(2, dtype=ember.float64)).dtype is ember.float64
    with pytest.raises(RuntimeError, match="poisson: invalid Poisson rate"):
        ember.poisson(ember.tensor([-1.0]))
    with pytest.raises(RuntimeError, match="poisson: expected a real floating point rate tensor"):
        ember.poisson(ember.tensor([1, 2]))


# ---- in-place samplers --------------------------------------------------------------------


def test_inplace_samplers_return_self_and_bump_the_version():
    x = ember.zeros(4, 5)
    calls = [
        ("uniform_", (2.0, 3.0)),
        ("normal_", (0.0, 2.0)),
        ("random_", (5,)),
        ("bernoulli_", (0.3,)),
        ("exponential_", ()),
        ("geometric_", (0.5,)),
        ("log_normal_", ()),
        ("cauchy_", ()),
    ]
    for i, (name, args) in enumerate(calls, 1):
        assert getattr(x, name)(*args) is x
        assert x._version == i


def test_inplace_samplers_write_through_views():
    base = ember.zeros(4, 6)
    view = base.transpose(0, 1)
    view.uniform_(1.0, 2.0)
    assert values(base).min() >= 1.0
    assert base._version == 1


def test_random_default_ranges():
    g = gen()
    f = values(ember.zeros(10_000).random_(generator=g))
    assert f.min() >= 0 and f.max() <= 2**24 and f.max() > 2**23
    assert values(ember.zeros(1000, dtype=ember.uint8).random_(generator=g)).max() > 200
    assert set(values(ember.zeros(100, dtype=ember.bool).random_(generator=g)).tolist()) == {
        False,
        True,
    }
    v = values(ember.zeros(1000).random_(2, 5, generator=g))
    assert set(v.tolist()) == {2.0, 3.0, 4.0}
    assert values(ember.zeros(100).random_(to=3, generator=g)).max() < 3
    assert values(ember.zeros(100).random_(**{"from": 7}, generator=g)).min() >= 7


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: x.uniform_(3, 2), RuntimeError, "uniform_: expected from <= to"),
        (lambda x: x.normal_(0, -1), RuntimeError, "normal_: expected std >= 0.0, got -1"),
        (lambda x: x.random_(5, 2), RuntimeError, "random_: expected low < high"),
        (lambda x: x.exponential_(0), RuntimeError, "exponential_: expected lambda > 0.0"),
        (lambda x: x.geometric_(1), RuntimeError, r"geometric_: expected p in \(0, 1\)"),
        (lambda x: x.log_normal_(1, -2), RuntimeError, "log_normal_: expected std > 0.0"),
        (lambda x: x.cauchy_(0, -1), RuntimeError, "cauchy_: expected sigma > 0.0"),
        (lambda x: x.bernoulli_(1.5), RuntimeError, r"bernoulli_: expected p in \[0, 1\]"),
        (lambda x: x.random_(1, 2, 3), TypeError, "random_: expected at most 2 bounds"),
    ],
)
def test_inplace_sampler_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(ember.zeros(3))


@pytest.mark.parametrize("name", ["uniform_", "normal_", "exponential_", "log_normal_", "cauchy_"])
def test_continuous_samplers_refuse_integer_tensors(name):
    with pytest.raises(RuntimeError, match=f"{name}: expected a (real )?floating point"):
        getattr(ember.zeros(3, dtype=ember.int64), name)()


def test_uint8_random_range_is_checked():
    with pytest.raises(RuntimeError, match=r"random_: range \[0, 300\) is out of bounds for uint8"):
        ember.zeros(3, dtype=ember.uint8).random_(0, 300)


def test_complex_samplers():
    z = ember.zeros(20_000, dtype=ember.complex64).normal_(generator=gen())
    v = values(z)
    assert abs(np.mean(np.abs(v) ** 2) - 1) < 0.05
    u = values(ember.zeros(1000, dtype=ember.complex64).uniform_(generator=gen()))
    assert u.real.min() >= 0 and u.imag.max() < 1
    with pytest.raises(RuntimeError, match="exponential_: expected a real floating point tensor"):
        ember.zeros(2, dtype=ember.complex64).exponential_()
