// Metrics computed from predictions on evaluation data: the confusion matrix and macro precision,
// recall and F1 for classifiers; mean absolute error and root mean squared error for regressions.

/** counts[t][p]: samples of true class t predicted as p. */
export class ConfusionMatrix {
  readonly counts: number[][];
  constructor(readonly classes: number) {
    this.counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }
  add(truth: number, predicted: number): void {
    this.counts[truth]![predicted]!++;
  }
  /**
   * Macro averages over the classes (as scikit-learn's average='macro'): a class never predicted
   * has precision 0, a class absent from the data recall 0, and F1 is 0 where both are 0.
   */
  scores(): { precision: number; recall: number; f1: number } {
    let p = 0, r = 0, f = 0;
    for (let c = 0; c < this.classes; c++) {
      const tp = this.counts[c]![c]!;
      const predicted = this.counts.reduce((s, row) => s + row[c]!, 0);
      const actual = this.counts[c]!.reduce((s, v) => s + v, 0);
      const pc = predicted ? tp / predicted : 0;
      const rc = actual ? tp / actual : 0;
      p += pc;
      r += rc;
      f += pc + rc ? (2 * pc * rc) / (pc + rc) : 0;
    }
    return { precision: p / this.classes, recall: r / this.classes, f1: f / this.classes };
  }
}

/** Running sums of |error| and error² over every predicted value. */
export class RegressionErrors {
  private abs = 0;
  private sq = 0;
  private n = 0;
  add(pred: number, target: number): void {
    const d = pred - target;
    this.abs += Math.abs(d);
    this.sq += d * d;
    this.n++;
  }
  scores(): { mae: number; rmse: number } {
    return { mae: this.abs / this.n, rmse: Math.sqrt(this.sq / this.n) };
  }
}
