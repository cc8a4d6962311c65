"""The specs of tests/graph/test_models_vs_torch.py, written with references; torch-free, so that the replay
tests use them too."""

DENSE = """
input: [3, 8, 8]
blocks:
  layer:
    layers: [bn: {name: norm}, relu: {name: relu}, conv: {name: conv, out: 4, kernel: 3, padding: 1, bias: false}]
layers:
  - conv: {name: stem, out: 8, kernel: 3, padding: 1}
  - layer: {name: l1}
  - concat: {inputs: [stem, l1]}
  - layer: {name: l2}
  - concat: {inputs: [stem, l1, l2]}
  - layer: {name: l3}
  - concat: {inputs: [stem, l1, l2, l3]}
"""


RES2 = """
input: [16, 8, 8]
args: {scale: 4}
layers:
  - add:
      branches:
        - - conv: {name: conv1, out: 16, kernel: 1, bias: false}
          - bn: {name: bn1}
          - relu: {name: relu, as: split}
          - repeat:
              times: scale - 1
              layers:
                - chunk: {chunks: scale, index: i, functional: true, from: split}
                - add: {if: i > 0, inputs: ["sp{i - 1}"], branches: [[]]}
                - seq: {name: convs, layers: [conv: {out: 4, kernel: 3, padding: 1, bias: false}]}
                - seq: {name: bns, layers: [bn]}
                - relu: {name: relu, as: "sp{i}"}
          - concat: {inputs: [sp0, sp1, sp2], branches: [[chunk: {chunks: scale, index: scale - 1, functional: true,
                                                                  from: split}]]}
          - conv: {name: conv3, out: 16, kernel: 1, bias: false}
          - bn: {name: bn3}
        - []
  - relu: {name: relu}
"""


DPN = """
input: [3, 8, 8]
layers:
  - conv: {name: stem, out: 16, kernel: 3, padding: 1}
  - conv: {name: proj, out: 16, kernel: 1}
  - conv: {name: a, out: 8, kernel: 1, from: stem}
  - relu: {name: relu}
  - conv: {name: b, out: 8, kernel: 3, padding: 1, groups: 2}
  - relu: {name: relu}
  - conv: {name: c, out: 12, kernel: 1}
  - concat:
      branches:
        - add:
            branches:
              - [from: proj, chunk: {chunks: 2, index: 0, functional: true}]
              - concat: {branches: [[chunk: {chunks: 3, index: 0, functional: true}],
                                    [chunk: {chunks: 3, index: 1, functional: true}]]}
        - concat:
            branches:
              - [from: proj, chunk: {chunks: 2, index: 1, functional: true}]
              - [chunk: {chunks: 3, index: 2, functional: true}]
"""


SHARED = """
input: [3, 10, 12]
layers:
  - conv: {name: stem, out: 8, kernel: 3, padding: 1}
  - relu: {name: relu}
  - add: {branches: [[conv: {name: step, out: 8, kernel: 3, padding: 1}, relu: {name: relu}], []]}
  - repeat: {times: 2, layers: [add: {branches: [[share: step, relu: {name: relu}], []]}]}
  - conv: {name: head, out: 2, kernel: 1}
"""


TWO = """
inputs: {image: [3, 8, 8], mask: [1, 8, 8]}
layers:
  - conv: {name: enc_image, out: 8, kernel: 3, padding: 1}
  - conv: {name: enc_mask, out: 8, kernel: 3, padding: 1, from: mask}
  - mul: {inputs: [enc_image], branches: [[sigmoid: {functional: true}]]}
  - concat: {branches: [[], [from: enc_mask]]}
  - conv: {name: head, out: 4, kernel: 1}
"""


HRNET = """
input: [3, 16, 16]
layers:
  - conv: {name: stem, out: 8, kernel: 3, padding: 1}
  - seq: {name: high, layers: [conv: {out: 8, kernel: 3, padding: 1}, relu]}
  - seq: {name: low, from: stem, layers: [conv: {out: 16, kernel: 3, stride: 2, padding: 1}, relu]}
  - add:  # the high-resolution output: its own, and the low one brought up
      as: fused_high
      inputs: [high]
      branches: [[seq: {name: up, layers: [conv: {out: 8, kernel: 1, bias: false}, upsample: {scale: 2}]}]]
  - add:  # the low-resolution output: its own, and the high one brought down
      as: fused_low
      inputs: [low]
      branches: [[conv: {name: down, out: 16, kernel: 3, stride: 2, padding: 1, from: high}]]
  - concat:
      inputs: [fused_high]
      branches: [[upsample: {scale: 2, functional: true}]]
"""
