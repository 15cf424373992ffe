//! Static token vectors distilled from a sentence encoder: each token of the
//! corpus vocabulary as the encoder embeds it alone, centred and weighted
//! down when frequent. A sentence's vector is the mean of its tokens', so
//! the fast model learns from meaning as well as from form (a word unseen
//! in training still gets the mean of its pieces' vectors, and pieces of
//! related words lie close) at the cost of a table lookup per token, with
//! no encoder needed at classification time. The vectors keep only their
//! principal components, which makes the table and the per-token work a
//! third of the encoder's width.

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::embed::{EmbedError, Encoder};
use crate::rng::SplitMix;

/// Smoothing of the frequency weight `a / (a + p)`: a token that makes up a
/// thousandth of the corpus counts half as much as a rare one.
const SIF_SMOOTHING: f64 = 1e-3;

/// Rounds of subspace iteration for the principal components. The spectrum
/// of token embeddings decays slowly, so the subspace found is close to,
/// not exactly, the leading one; the learner only needs a good subspace.
const PCA_ROUNDS: usize = 60;

/// One vector per token id, ready to average, stored as bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WordVectors {
    dim: usize,
    /// Row `id` holds the token's weighted vector over its scale, rounded to
    /// -127..=127: a quarter of the size of f32, and the rounding (under 0.4%
    /// of the largest component) vanishes in the sentence mean.
    codes: Vec<i8>,
    /// Each row's scale back to its weighted vector.
    scales: Vec<f32>,
}

impl WordVectors {
    /// Embeds every token alone with `encoder` (`texts[id]`, with any `##`
    /// continuation mark removed) and builds `dim`-wide vectors from the
    /// embeddings and `counts[id]`, the token's occurrences in the training data.
    pub fn distil(
        encoder: &Encoder,
        texts: &[&str],
        counts: &[u64],
        dim: usize,
    ) -> Result<Self, EmbedError> {
        let bare: Vec<&str> = texts
            .iter()
            .map(|t| t.strip_prefix("##").unwrap_or(t))
            .collect();
        Ok(Self::from_embeddings(encoder.encode(&bare)?, counts, dim))
    }

    /// Centres one embedding per token (every row shares the encoder's
    /// [CLS]/[SEP] component; what is left tells the tokens apart), keeps
    /// its `dim` principal components (at most the embedding width, and
    /// fewer than the tokens, which is all the centred rows span) and
    /// scales each by `a / (a + p)`, where `p` is its share of `counts`.
    pub fn from_embeddings(mut table: Array2<f32>, counts: &[u64], dim: usize) -> Self {
        if let Some(mean) = table.mean_axis(Axis(0)) {
            table -= &mean;
        }
        let dim = dim.min(table.nrows().saturating_sub(1)).max(1);
        if dim < table.ncols() {
            table = table.dot(&principal_axes(&table, dim));
        }
        let total = counts.iter().sum::<u64>().max(1) as f64;
        let dim = table.ncols();
        let mut codes = Vec::with_capacity(table.len());
        let mut scales = Vec::with_capacity(table.nrows());
        for (id, row) in table.rows().into_iter().enumerate() {
            let p = counts.get(id).copied().unwrap_or(0) as f64 / total;
            let weight = (SIF_SMOOTHING / (SIF_SMOOTHING + p)) as f32;
            let largest = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let step = if largest > 0.0 { largest / 127.0 } else { 1.0 };
            codes.extend(row.iter().map(|v| (v / step).round() as i8));
            scales.push(step * weight);
        }
        WordVectors { dim, codes, scales }
    }

    /// Width of a vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The unit-length mean of the tokens' vectors (all zeros when none is
    /// known), written into `out`, which is `dim()` long.
    pub fn sentence(&self, ids: impl IntoIterator<Item = u32>, out: &mut [f32]) {
        out.fill(0.0);
        for id in ids {
            let id = id as usize;
            let (Some(row), Some(&scale)) = (
                self.codes.get(id * self.dim..(id + 1) * self.dim),
                self.scales.get(id),
            ) else {
                continue;
            };
            out.iter_mut()
                .zip(row)
                .for_each(|(o, &c)| *o += scale * f32::from(c));
        }
        let norm = out.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|v| *v /= norm);
        }
    }
}

/// An orthonormal basis (as columns) of the `k`-dimensional subspace that
/// holds most of the centred rows' variance, by subspace iteration from a
/// seeded start. A basis of the subspace is all the learner needs: an L2
/// penalised linear model gives the same scores in any rotation of it.
fn principal_axes(table: &Array2<f32>, k: usize) -> Array2<f32> {
    let x = table.mapv(f64::from);
    let cov = x.t().dot(&x);
    let mut rng = SplitMix::new(2026);
    let mut basis = Array2::from_shape_fn((cov.nrows(), k), |_| {
        rng.next_u64() as f64 / u64::MAX as f64 - 0.5
    });
    orthonormalise(&mut basis);
    for _ in 0..PCA_ROUNDS {
        basis = cov.dot(&basis);
        orthonormalise(&mut basis);
    }
    basis.mapv(|v| v as f32)
}

/// Modified Gram-Schmidt on the columns, in place.
fn orthonormalise(basis: &mut Array2<f64>) {
    for j in 0..basis.ncols() {
        for i in 0..j {
            let earlier = basis.column(i).to_owned();
            let overlap = earlier.dot(&basis.column(j));
            basis.column_mut(j).scaled_add(-overlap, &earlier);
        }
        let norm = basis.column(j).dot(&basis.column(j)).sqrt();
        if norm > 0.0 {
            basis.column_mut(j).mapv_inplace(|v| v / norm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn vectors() -> WordVectors {
        let table = array![
            [1.0, 0.0, 0.5],
            [0.0, 1.0, 0.5],
            [1.0, 1.0, 0.5],
            [0.0, 0.0, 0.5]
        ];
        WordVectors::from_embeddings(table, &[1, 1, 1000, 1], 3)
    }

    fn mean(v: &WordVectors, ids: &[u32]) -> Vec<f32> {
        let mut out = vec![0.0; v.dim()];
        v.sentence(ids.iter().copied(), &mut out);
        out
    }

    #[test]
    fn a_sentence_vector_is_unit_length() {
        let v = vectors();
        let norm: f32 = mean(&v, &[0, 1, 0]).iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    }

    #[test]
    fn centring_removes_what_all_tokens_share() {
        // The third component is the same for every token, so it is gone.
        let v = vectors();
        assert!(mean(&v, &[0]).iter().all(|x| x.is_finite()));
        assert!(mean(&v, &[0])[2].abs() < 1e-6);
    }

    #[test]
    fn frequent_tokens_weigh_less() {
        let v = vectors();
        assert!(v.scales[2] * 10.0 < v.scales[0], "{:?}", v.scales);
        // Token 0 alone points along +x after centring; token 2 barely moves it.
        let with_frequent = mean(&v, &[0, 2]);
        let alone = mean(&v, &[0]);
        let cos: f32 = with_frequent.iter().zip(&alone).map(|(a, b)| a * b).sum();
        assert!(cos > 0.99, "{cos}");
    }

    #[test]
    fn rounding_keeps_vectors_close() {
        let table = Array2::from_shape_fn((20, 16), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.3);
        let v = WordVectors::from_embeddings(table.clone(), &[1; 20], 16);
        let centred = &table - &table.mean_axis(Axis(0)).unwrap();
        let mut out = vec![0.0; 16];
        v.sentence([1], &mut out);
        let row = centred.row(1);
        let norm = row.dot(&row).sqrt();
        for (got, want) in out.iter().zip(row) {
            assert!((got - want / norm).abs() < 0.01, "{got} vs {}", want / norm);
        }
    }

    #[test]
    fn principal_axes_find_the_widest_direction() {
        // Rows spread along (1, 1, 0) with a little noise across it.
        let table = Array2::from_shape_fn((50, 3), |(i, j)| {
            let t = i as f32 - 25.0;
            match j {
                0 => t,
                1 => t + if i % 2 == 0 { 0.1 } else { -0.1 },
                _ => {
                    if i % 3 == 0 {
                        0.2
                    } else {
                        -0.1
                    }
                }
            }
        });
        let centred = &table - &table.mean_axis(Axis(0)).unwrap();
        let axis = principal_axes(&centred, 1);
        let along = (axis[[0, 0]] + axis[[1, 0]]).abs() / 2f32.sqrt();
        assert!(along > 0.999, "{axis:?}");
        let basis = principal_axes(&centred, 2);
        let gram = basis.t().dot(&basis);
        assert!((gram[[0, 0]] - 1.0).abs() < 1e-5 && gram[[0, 1]].abs() < 1e-5);
    }

    #[test]
    fn reduced_vectors_have_the_asked_width() {
        let table = Array2::from_shape_fn((10, 8), |(i, j)| ((i * 5 + j * 3) % 7) as f32);
        let v = WordVectors::from_embeddings(table, &[1; 10], 3);
        assert_eq!(v.dim(), 3);
        assert_eq!(mean(&v, &[4]).len(), 3);
    }

    #[test]
    fn width_stops_at_what_the_tokens_span() {
        let table = Array2::from_shape_fn((5, 8), |(i, j)| ((i * 3 + j) % 5) as f32);
        let v = WordVectors::from_embeddings(table, &[1; 5], 128);
        assert_eq!(v.dim(), 4);
        assert!(mean(&v, &[2]).iter().all(|x| x.is_finite()));
    }

    #[test]
    fn unknown_ids_are_skipped() {
        let v = vectors();
        assert_eq!(mean(&v, &[0, 99]), mean(&v, &[0]));
        assert!(mean(&v, &[99]).iter().all(|&x| x == 0.0));
    }
}
