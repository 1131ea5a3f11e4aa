import numpy as np
import pytest

from vae_core.errors import ConfigError, DataError
from vae_core.oned import data1d


def test_default_mixture_is_the_notes_mixture():
    spec = data1d.DEFAULT_MIXTURE
    assert spec.weights == (0.5, 0.2, 0.3)
    assert spec.means == (-2.0, 1.0, 4.0)
    assert spec.variances == (0.5, 2.0, 1.0)


def test_sample_is_reproducible_and_has_the_mixture_moments():
    spec = data1d.DEFAULT_MIXTURE
    x = data1d.sample(spec, 200_000, seed=3)
    assert np.array_equal(x, data1d.sample(spec, 200_000, seed=3))
    mean = sum(w * m for w, m in zip(spec.weights, spec.means))
    second = sum(w * (v + m * m) for w, m, v in zip(spec.weights, spec.means, spec.variances))
    assert abs(x.mean() - mean) < 0.02
    assert abs(x.var() - (second - mean ** 2)) < 0.05


def test_true_density_integrates_to_one_and_entropy_matches_monte_carlo():
    spec = data1d.DEFAULT_MIXTURE
    grid = data1d.density_grid(spec)
    assert abs(np.trapezoid(np.exp(data1d.log_density(spec, grid)), grid) - 1) < 1e-6
    x = data1d.sample(spec, 400_000, seed=0)
    assert abs(-data1d.entropy(spec) - data1d.log_density(spec, x).mean()) < 0.01


def test_kl_from_truth_is_zero_for_the_truth_and_positive_otherwise():
    spec = data1d.DEFAULT_MIXTURE
    assert abs(data1d.kl_from_truth(spec, lambda g: data1d.log_density(spec, g))) < 1e-9
    shifted = data1d.MixtureSpec(spec.weights, tuple(m + 0.5 for m in spec.means), spec.variances)
    assert data1d.kl_from_truth(spec, lambda g: data1d.log_density(shifted, g)) > 0.05


def test_weights_are_normalised_and_bad_specs_rejected():
    assert data1d.MixtureSpec((2, 2), (0, 1), (1, 1)).weights == (0.5, 0.5)
    for bad in [((1,), (0, 1), (1, 1)), ((1, -1), (0, 1), (1, 1)), ((1, 1), (0, 1), (1, 0)),
                ((), (), ()), ((1,), (float("nan"),), (1,))]:
        with pytest.raises(ConfigError):
            data1d.MixtureSpec(*bad)


def test_split_is_disjoint_and_complete():
    x = np.arange(100.0)
    train, test = data1d.train_test_split(x, 0.3, seed=1)
    assert test.size == 30 and train.size == 70
    assert sorted(np.concatenate([train, test])) == list(x)


def test_csv_with_header_and_without():
    assert data1d.parse_csv(b"value\n1\n2.5\n-3e1\n").values.tolist() == [1, 2.5, -30]
    parsed = data1d.parse_csv("1\n2\n")
    assert parsed.name is None and parsed.values.tolist() == [1, 2] and parsed.warnings == []


def test_csv_drops_nan_inf_and_text_rows_and_counts_them():
    parsed = data1d.parse_csv(b"x\n1\nnan\n2\ninf\nhello\n-inf\n3\n\n")
    assert parsed.values.tolist() == [1, 2, 3]
    assert parsed.n_dropped == 4
    assert "dropped 4 of 7 rows" in parsed.warnings[0]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\n\n  \n", "empty"),
    (b"name\n", "no values"),
    (b"city\nParis\nRome\n", "not numeric"),
    (b"x\nnan\ninf\n", "no usable numbers"),
    (b"a,b\n1,2\n", "exactly one column"),
    (b"\xff\xfe\x00", "UTF-8"),
])
def test_unusable_csv_is_rejected_with_a_clear_message(content, message):
    with pytest.raises(DataError, match=message):
        data1d.parse_csv(content)


def test_read_csv_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        data1d.read_csv(tmp_path / "missing.csv")


def test_check_fit_data():
    with pytest.raises(DataError, match="fewer than K"):
        data1d.check_fit_data(np.array([1.0, 2.0]), 3)
    with pytest.raises(DataError, match="empty"):
        data1d.check_fit_data(np.array([]), 1)
    with pytest.raises(ConfigError):
        data1d.check_fit_data(np.array([1.0, 2.0]), 0)
    assert "identical" in data1d.check_fit_data(np.full(10, 4.0), 2)[0]
    assert data1d.check_fit_data(np.array([1.0, 2.0, 3.0]), 3) == []


def test_truth_density_and_parameter_count():
    spec = data1d.MixtureSpec((1.0, 3.0), (0.0, 2.0), (1.0, 0.25))
    x = np.array([-1.0, 0.0, 2.5])
    np.testing.assert_allclose(data1d.density(spec, x), np.exp(data1d.log_density(spec, x)))
    expected = 0.25 * np.exp(-0.5 * x ** 2) / np.sqrt(2 * np.pi) \
        + 0.75 * np.exp(-0.5 * (x - 2) ** 2 / 0.25) / np.sqrt(2 * np.pi * 0.25)
    np.testing.assert_allclose(data1d.density(spec, x), expected)
    assert spec.n_parameters() == 5  # 2 means, 2 variances, 1 free weight
    assert data1d.DEFAULT_MIXTURE.n_parameters() == 8


def test_a_fit_against_the_truth_is_paired_over_the_test_points_with_its_standard_error():
    from vae_core.oned import fit1d
    from vae_core.oned.vae1d import VAE1DConfig

    spec = data1d.DEFAULT_MIXTURE
    test = data1d.sample(spec, 500, 1)
    same = fit1d.versus_truth(data1d.log_density(spec, test), spec, test)
    assert same == {"mean": 0.0, "se": 0.0, "n": 500}
    worse = fit1d.versus_truth(data1d.log_density(spec, test) - np.linspace(0, 0.2, 500), spec, test)
    assert worse["mean"] == pytest.approx(-0.1) and worse["se"] == pytest.approx(
        np.linspace(0, 0.2, 500).std(ddof=1) / np.sqrt(500))
    result = fit1d.fit_both(data1d.sample(spec, 400, 0), test, k=3, truth=spec,
                            vae_config=VAE1DConfig(steps=20))
    assert result["gmm"]["test_minus_truth"]["n"] == 500 and result["vae"]["test_minus_truth"]["se"] > 0
