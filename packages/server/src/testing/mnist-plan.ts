import { FedAvg } from '@federa/core';

/** The model and strategy of the MNIST end-to-end test (server process and reference run); clients also evaluate every round. */
export const MNIST_MODEL = { name: 'logreg', options: { inputDim: 784, classes: 10, seed: 1 } } as const;
export const mnistStrategy = () => new FedAvg({ fraction: 1, epochs: 1, batchSize: 20, lr: 0.05, evaluateFraction: 1 });
