"""Keras model builders for the lessons: from a two-block CNN to LeNet-5, AlexNet, the
blocks of VGG, GoogLeNet, ResNet, DenseNet and MobileNet, and full-size VGG16, ResNet50,
DenseNet121 and MobileNetV2 made of them.

Every builder is a plain function that returns an **uncompiled** ``keras.Model`` (compile
it yourself, or let :func:`cnncourse.train.fit` do it). Blocks take a tensor and return a
tensor, for the functional API::

    inputs = keras.Input((32, 32, 3))
    x = vgg_block(inputs, 32)
    x = residual_block(x, 64, stride=2)

Only ``keras`` and ``keras.ops`` are used, so every Keras backend works. Arguments are
checked first: a bad one raises a ``ValueError`` that names it, the value and what is
allowed. How the lessons train these models (data, optimizer, schedule, loss) is in
:mod:`cnncourse.recipes`.

=========================  ==============================================================
builder                    what it is
=========================  ==============================================================
:func:`simple_cnn`         INPUT -> [CONV -> (BN) -> ReLU -> POOL]*N -> FLATTEN -> [FC]*M -> FC
:func:`mlp`                the fully connected baseline: FLATTEN -> [FC -> ReLU]*M -> FC
:func:`mnist_convnet`      the small Keras MNIST convnet of the class notes (93,322 params)
:func:`digits_cnn`         the lesson's digits CNN (see ``recipes.DIGITS_RECIPE``)
:func:`lenet5`             LeNet-5 (LeCun et al. 1998), 61,706 params
:func:`alexnet`            AlexNet (Krizhevsky et al. 2012), one tower, 62,378,344 params
:func:`googlenet`          GoogLeNet (Szegedy et al. 2014) from :func:`inception_block`
:func:`mini_vgg` ...       small VGG / ResNet / Inception / DenseNet for 8..64 pixel images
:func:`vgg16` ...          VGG16, ResNet50, DenseNet121, MobileNetV2 from the blocks, with
                           ``keras.applications``' parameter counts
:func:`fcn`, :func:`unet`  semantic segmentation: a class per pixel
:func:`box_regressor`      one object: a class and a box
:func:`grid_detector`      YOLO-v1-style detection, one box per cell
:func:`frame_average`      video: a per-frame CNN whose answers are averaged over the frames
:func:`cnn_rnn`            video: a per-frame CNN (``TimeDistributed``) feeding a GRU or LSTM
:func:`conv3d_net`         video: 3-D convolutions over time, height and width
:func:`conv1d_net`         1-D signals: ``Conv1D`` along time
=========================  ==============================================================

The modules of this package, bottom up: ``_checks`` (the argument checks and small
helpers they all share), ``blocks``, ``course``, ``mini``, ``historic``, ``modern``,
``census`` (the famous architectures counted), ``structured`` (segmentation and
detection) and ``temporal`` (video and 1-D sequences).
"""

from __future__ import annotations

from ._checks import BN_MOMENTUM, TASKS
from .blocks import (
    SHORTCUTS,
    dense_block,
    depthwise_separable_block,
    inception_block,
    inverted_residual_block,
    residual_block,
    transition_block,
    vgg_block,
)
from .census import FAMOUS_NAMES, count_without_weights, famous_architectures, weight_layers
from .course import digits_cnn, mlp, mnist_convnet, simple_cnn
from .historic import GOOGLENET_MODULES, alexnet, googlenet, lenet5
from .mini import mini_densenet, mini_inception, mini_resnet, mini_vgg
from .modern import (
    MOBILENET_V2_BLOCKS,
    VGG16_BLOCKS,
    densenet121,
    mobilenet_v2,
    resnet50,
    vgg16,
)
from .structured import FCN_MODES, box_regressor, fcn, grid_detector, unet
from .temporal import cnn_rnn, conv1d_net, conv3d_net, frame_average

__all__ = [
    "BN_MOMENTUM",
    "FAMOUS_NAMES",
    "FCN_MODES",
    "GOOGLENET_MODULES",
    "MOBILENET_V2_BLOCKS",
    "SHORTCUTS",
    "TASKS",
    "VGG16_BLOCKS",
    "alexnet",
    "box_regressor",
    "cnn_rnn",
    "conv1d_net",
    "conv3d_net",
    "count_without_weights",
    "dense_block",
    "densenet121",
    "depthwise_separable_block",
    "digits_cnn",
    "famous_architectures",
    "fcn",
    "frame_average",
    "googlenet",
    "grid_detector",
    "inception_block",
    "inverted_residual_block",
    "lenet5",
    "mini_densenet",
    "mini_inception",
    "mini_resnet",
    "mini_vgg",
    "mlp",
    "mnist_convnet",
    "mobilenet_v2",
    "residual_block",
    "resnet50",
    "simple_cnn",
    "transition_block",
    "unet",
    "vgg16",
    "vgg_block",
    "weight_layers",
]
