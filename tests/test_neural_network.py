"""The regulatory network: the seed's 97 parameters, flat vectors, population apply, a valid jit argument."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fatenet.config import ConfigError
from fatenet.neural_network import (
    SELECT_MAX_POINTS,
    RegulatoryNetwork,
    flatten,
    get_regulatory_function,
    init_params,
    interpolate,
    population_apply,
)


def test_default_network_has_97_parameters_and_flax_default_init():
    model = RegulatoryNetwork(hidden_dims=(8, 8))
    params = init_params(model, jax.random.PRNGKey(0), (1,))
    assert model.n_params == 97 == flatten(params).size
    shapes = jax.tree_util.tree_map(lambda a: a.shape, params)["params"]
    assert shapes == {"Dense_0": {"kernel": (1, 8), "bias": (8,)}, "Dense_1": {"kernel": (8, 8), "bias": (8,)},
                      "Dense_2": {"kernel": (8, 1), "bias": (1,)}}
    assert all(float(jnp.abs(b).max()) == 0 for b in (params["params"][k]["bias"] for k in shapes))


def test_f_is_elementwise_and_matches_a_hand_written_mlp():
    model = RegulatoryNetwork(hidden_dims=(3,), activation="tanh")
    params = init_params(model, jax.random.PRNGKey(1), (1,))
    p = params["params"]
    s = jnp.linspace(0, 1, 200)
    f = get_regulatory_function(model, params)
    assert f(s).shape == (200,)
    by_hand = jnp.tanh(s[:, None] * p["Dense_0"]["kernel"][0] + p["Dense_0"]["bias"]) @ p["Dense_1"]["kernel"][:, 0]
    np.testing.assert_allclose(f(s), by_hand + p["Dense_1"]["bias"][0], atol=1e-6)
    assert f(jnp.ones((2, 3, 4))).shape == (2, 3, 4)


def test_model_is_a_valid_jit_argument_and_hashable():
    model = RegulatoryNetwork(hidden_dims=[8, 8])
    assert model.hidden_dims == (8, 8) and hash(model) == hash(RegulatoryNetwork(hidden_dims=(8, 8)))
    params = init_params(model, jax.random.PRNGKey(0))

    @jax.jit
    def g(params, model, x):
        return get_regulatory_function(model, params)(x)

    np.testing.assert_allclose(g(params, model, jnp.array([0.2])), model.apply(params, jnp.array([0.2])))


def test_flat_round_trip_and_population_apply():
    model = RegulatoryNetwork()
    pop = model.init_population(jax.random.PRNGKey(3), 5)
    assert pop.shape == (5, 97)
    keys = jax.random.split(jax.random.PRNGKey(3), 5)
    np.testing.assert_array_equal(pop[2], flatten(init_params(model, keys[2])))
    assert jnp.array_equal(flatten(model.unflatten(pop[1])), pop[1])
    sbar = jnp.tile(jnp.linspace(0, 1, 11), (5, 1))
    together = population_apply(model, pop, sbar)
    one_by_one = jnp.stack([model.apply_flat(pop[i], sbar[i]) for i in range(5)])
    np.testing.assert_allclose(together, one_by_one, atol=1e-6)


@pytest.mark.parametrize("activation, act", [("relu", lambda z: np.maximum(z, 0)),
                                             ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
                                             ("softplus", lambda z: np.log1p(np.exp(z))),
                                             ("silu", lambda z: z / (1 + np.exp(-z))),
                                             ("elu", lambda z: np.where(z > 0, z, np.expm1(z)))])
def test_other_activations_match_their_formula(activation, act):
    model = RegulatoryNetwork(hidden_dims=(4,), activation=activation)
    flat = np.linspace(-1.5, 1.3, model.n_params).astype(np.float32)  # w1 (4), b1 (4), w2 (4), b2 (1)
    p = model.unflatten(flat)["params"]
    w1, b1 = np.asarray(p["Dense_0"]["kernel"][0]), np.asarray(p["Dense_0"]["bias"])
    w2, b2 = np.asarray(p["Dense_1"]["kernel"][:, 0]), float(p["Dense_1"]["bias"][0])
    s = np.linspace(0, 1, 9)
    by_hand = act(s[:, None] * w1 + b1) @ w2 + b2
    np.testing.assert_allclose(model.apply_flat(flat, jnp.asarray(s)), by_hand, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"hidden_dims": ()}, r"network\.hidden_dims = \[\].*non-empty list of integers"),
        ({"hidden_dims": (8, 0)}, r"network\.hidden_dims.*integers >= 1"),
        ({"activation": "swish2"}, r"network\.activation = 'swish2'.*one of tanh"),
    ],
)
def test_bad_architecture_is_rejected(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        RegulatoryNetwork(**kwargs)


def test_piecewise_linear_interpolates_its_knot_values_by_hand():
    from fatenet.neural_network import PiecewiseLinear

    model = PiecewiseLinear(n_knots=5)  # knots at 0, 0.25, 0.5, 0.75, 1
    values = jnp.array([1.0, 3.0, -1.0, 0.0, 2.0])
    sbar = jnp.array([0.0, 0.125, 0.25, 0.4, 0.5, 0.7, 0.9, 1.0])
    # by hand: halfway 1..3 = 2; 0.4 is 60% from 3 to -1 = 0.6; 0.7 is 80% from -1 to 0 = -0.2; 0.9 is 60% from 0 to 2
    expected = [1.0, 2.0, 3.0, 0.6, -1.0, -0.2, 1.2, 2.0]
    np.testing.assert_allclose(model.apply_flat(values, sbar), expected, atol=1e-6)
    assert model.n_params == 5 and model.init_flat(jax.random.PRNGKey(0)).shape == (5,)
    np.testing.assert_allclose(model.knots, [0, 0.25, 0.5, 0.75, 1])


def test_max_slope_limits_each_step_between_knots_by_hand():
    from fatenet.neural_network import PiecewiseLinear

    # 5 knots 0.25 apart, max_slope 8: each step is limited to 8 * 0.25 = 2, accumulated from the first knot
    model = PiecewiseLinear(n_knots=5, max_slope=8.0)
    params = jnp.array([0.0, 5.0, 5.0, -3.0, -3.2])
    np.testing.assert_allclose(jnp.stack(model.knot_values(params)), [0.0, 2.0, 2.0, 0.0, -0.2], atol=1e-6)
    sbar = jnp.array([0.0, 0.125, 0.25, 0.5, 0.625, 0.875, 1.0])
    np.testing.assert_allclose(model.apply_flat(params, sbar), [0.0, 1.0, 2.0, 2.0, 1.0, -0.1, -0.2], atol=1e-6)
    # with output_scale 2 the bound is on f itself: steps of 1 in the parameters, 2 in f
    scaled = PiecewiseLinear(n_knots=5, max_slope=8.0, output_scale=2.0)
    np.testing.assert_allclose(scaled.apply_flat(params, sbar[:3]), [0.0, 1.0, 2.0], atol=1e-6)
    # a random steep f: its slope on a fine grid never exceeds the bound; a gentle f is unchanged
    steep = 10.0 * PiecewiseLinear(n_knots=17).init_flat(jax.random.PRNGKey(4))
    bounded = PiecewiseLinear(n_knots=17, max_slope=16.0, max_rate=1.0)
    grid = jnp.linspace(0.0, 1.0, 1601)
    assert float(jnp.abs(jnp.diff(bounded.apply_flat(steep, grid))).max()) / (1 / 1600) <= 16.0 * (1 + 1e-4)
    gentle = jnp.linspace(-0.5, 0.5, 17)
    np.testing.assert_array_equal(bounded.apply_flat(gentle, grid),
                                  PiecewiseLinear(n_knots=17, max_rate=1.0).apply_flat(gentle, grid))
    # the kernel's form (a sequence of scalars) gives the same numbers
    scalars = [steep[k] for k in range(17)]
    np.testing.assert_array_equal(bounded.apply_scalars(scalars, grid, grid), bounded.apply_flat(steep, grid))


def test_shifted_moves_f_along_sbar_by_hand():
    from fatenet.neural_network import PiecewiseLinear

    model = PiecewiseLinear(n_knots=5)  # knots 0.25 apart
    values = jnp.array([1.0, 3.0, -1.0, 0.0, 2.0])
    # a whole knot interval: f(x - 0.25) takes each knot's value from the knot before, the first held
    np.testing.assert_allclose(model.shifted(values, 0.25), [1.0, 1.0, 3.0, -1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(model.shifted(values, -0.25), [3.0, -1.0, 0.0, 2.0, 2.0], atol=1e-6)
    # half an interval: each knot takes the mean of its value and the one before (f is linear in between)
    np.testing.assert_allclose(model.shifted(values, 0.125), [1.0, 2.0, 1.0, -0.5, 1.0], atol=1e-6)
    np.testing.assert_array_equal(model.shifted(values, 0.0), values)
    # moved f at sbar is f at sbar - d wherever the move is whole and inside the ends
    sbar = jnp.array([0.3, 0.5, 0.6, 0.9, 1.0])
    np.testing.assert_allclose(model.apply_flat(model.shifted(values, 0.25), sbar), model.apply_flat(values, sbar - 0.25),
                               atol=1e-6)
    # learned thresholds are kept; a bounded slope moves the bounded f (its knot values, 0 2 2 0 -0.2)
    learned = PiecewiseLinear(n_knots=5, learn_thresholds=True)
    np.testing.assert_allclose(learned.shifted(jnp.append(values, 0.4), 0.25), [1.0, 1.0, 3.0, -1.0, 0.0, 0.4],
                               atol=1e-6)
    bounded = PiecewiseLinear(n_knots=5, max_slope=8.0)
    np.testing.assert_allclose(bounded.shifted(jnp.array([0.0, 5.0, 5.0, -3.0, -3.2]), 0.125), [0.0, 1.0, 2.0, 1.0, -0.1],
                               atol=1e-6)
    with pytest.raises(ValueError, match="only an f of \\[sbar\\]"):
        PiecewiseLinear(n_knots=3, inputs=("s", "sbar")).shifted(jnp.zeros(9), 0.1)


@pytest.mark.parametrize("settings", [{"architecture": "mlp"},
                                      {"architecture": "piecewise_linear", "inputs": ("s", "sbar")}])
def test_max_slope_needs_a_piecewise_linear_f_of_sbar(settings):
    from fatenet.config import NetworkConfig

    with pytest.raises(ConfigError, match=r"network\.max_slope = 4\.0: must be 0 unless network\.architecture"):
        NetworkConfig(max_slope=4.0, **settings)


def test_output_scale_and_max_rate_act_on_both_architectures():
    from fatenet.config import NetworkConfig
    from fatenet.neural_network import make_network

    sbar = jnp.linspace(0.0, 1.0, 11)
    for arch in ("mlp", "piecewise_linear"):
        base = make_network(NetworkConfig(architecture=arch, n_knots=4))
        flat = base.init_flat(jax.random.PRNGKey(2)) * 3.0
        raw = np.asarray(base.apply_flat(flat, sbar))
        scaled = make_network(NetworkConfig(architecture=arch, n_knots=4, output_scale=2.5))
        np.testing.assert_allclose(scaled.apply_flat(flat, sbar), 2.5 * raw, rtol=1e-6)
        bound = 0.5 * float(np.abs(raw).max())  # half the largest |f|: the bound bites
        bounded = make_network(NetworkConfig(architecture=arch, n_knots=4, max_rate=bound))
        np.testing.assert_allclose(bounded.apply_flat(flat, sbar), np.clip(raw, -bound, bound), rtol=1e-6)


def test_make_network_picks_the_architecture():
    from fatenet.config import NetworkConfig
    from fatenet.neural_network import PiecewiseLinear, make_network

    assert isinstance(make_network(NetworkConfig()), RegulatoryNetwork)
    pwl = make_network(NetworkConfig(architecture="piecewise_linear", n_knots=9))
    assert isinstance(pwl, PiecewiseLinear) and pwl.n_params == 9
    # by hand for widths 1 -> 3 -> 5 -> 1: (1*3 + 3) + (3*5 + 5) + (5*1 + 1) = 32 weights and biases
    mlp = NetworkConfig(hidden_dims=(3, 5))
    assert mlp.n_params == 32 == make_network(mlp).init_flat(jax.random.PRNGKey(0)).size


@pytest.mark.parametrize("n_points", [2, 3, 17, SELECT_MAX_POINTS])
def test_small_tables_are_read_by_selects_with_the_values_of_a_gather(n_points):
    table = jax.random.normal(jax.random.PRNGKey(n_points), (n_points,))
    sbar = jnp.concatenate([jnp.linspace(-0.1, 1.1, 2001), jnp.linspace(0.0, 1.0, n_points)])
    scale = n_points - 1
    x = jnp.clip(sbar, 0.0, 1.0) * scale
    i = jnp.clip(jnp.floor(x).astype(jnp.int32), 0, scale - 1)
    gathered = table[i] + (x - i) * (table[i + 1] - table[i])
    assert jnp.array_equal(interpolate(table, sbar), gathered)


def test_mirrored_is_minus_f_at_one_minus_sbar_by_hand():
    from fatenet.neural_network import PiecewiseLinear

    model = PiecewiseLinear(n_knots=5)  # knots at 0, 0.25, 0.5, 0.75, 1
    values = jnp.array([1.0, 3.0, -1.0, 0.0, 2.0])
    # by hand: the values reversed, 2 0 -1 3 1, and negated
    np.testing.assert_array_equal(model.mirrored(values), [-2.0, 0.0, 1.0, -3.0, -1.0])
    sbar = jnp.linspace(0.0, 1.0, 41)
    np.testing.assert_allclose(model.apply_flat(model.mirrored(values), sbar), -model.apply_flat(values, 1.0 - sbar),
                               atol=1e-6)
    # an f equal to its mirror image (odd about sbar = 0.5) is its own mirror image
    odd = jnp.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(model.mirrored(odd), odd)
    # a bounded slope: the bounded f's knot values (0 2 2 0 -0.2) mirrored, which the bound leaves as they are
    bounded = PiecewiseLinear(n_knots=5, max_slope=8.0)
    mirrored = bounded.mirrored(jnp.array([0.0, 5.0, 5.0, -3.0, -3.2]))
    np.testing.assert_allclose(mirrored, [0.2, 0.0, -2.0, -2.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(jnp.stack(bounded.knot_values(mirrored)), mirrored, atol=1e-6)
    # f(s, sbar) on a 3 x 3 grid: -f(1 - s, 1 - sbar), the table reversed along both inputs and negated
    grid = PiecewiseLinear(n_knots=3, inputs=("s", "sbar"))
    table = jnp.arange(9.0)
    np.testing.assert_array_equal(grid.mirrored(table), [-8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0])
    s, sb = jnp.meshgrid(jnp.linspace(0, 1, 9), jnp.linspace(0, 1, 9))
    np.testing.assert_allclose(grid.apply_flat(grid.mirrored(table), sb, s), -grid.apply_flat(table, 1 - sb, 1 - s),
                               atol=1e-5)
    with pytest.raises(ValueError, match="learned thresholds"):
        PiecewiseLinear(n_knots=5, learn_thresholds=True).mirrored(jnp.zeros(6))


def test_row_switch_by_hand():
    from fatenet.neural_network import ROW_SWITCH, PiecewiseLinear

    assert ROW_SWITCH == {"middle": 0.3, "rise": 0.8}
    # 11 knots at 0, 0.1, ..., 1: -1 below 1/2 (0 ... 0.4), 0.3 from 1/2 up to 0.8 (0.5, 0.6, 0.7), 1 from 0.8 on
    model = PiecewiseLinear(n_knots=11)
    np.testing.assert_allclose(model.row_switch(), [-1] * 5 + [0.3] * 3 + [1] * 3, atol=1e-7)
    # f itself: max_rate 2 and output_scale 4 give parameters of a half, and f = -2, 0.6, 2
    scaled = PiecewiseLinear(n_knots=11, max_rate=2.0, output_scale=4.0)
    np.testing.assert_allclose(scaled.row_switch(), [-0.5] * 5 + [0.15] * 3 + [0.5] * 3, atol=1e-7)
    np.testing.assert_allclose(scaled.apply_flat(scaled.row_switch(), jnp.array([0.2, 0.45, 0.65, 0.9])),
                               [-2.0, -0.7, 0.6, 2.0], atol=1e-6)  # 0.45: halfway from -2 to 0.6
    with pytest.raises(ValueError, match=r"network\.inputs \[sbar\]"):
        PiecewiseLinear(n_knots=3, inputs=("s", "sbar")).row_switch()
