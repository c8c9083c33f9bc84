/// The README.md of a run folder: what is in it and how to launch it on one CPU, several GPUs, several nodes.
enum RunReadme {
    static func text(cell: String, batch: Int) -> String {
        #"""
        # A \#(cell) training run exported by lmsh

        This folder continues training with PyTorch, with no lmsh installed. It needs Python 3, `torch` and
        `safetensors` (`pip install torch safetensors`).

        | file | what it holds |
        |---|---|
        | `checkpoint.safetensors` | weights under PyTorch's names (`rnn.weight_ih_l0`, `decoder.bias`, …; they load into `torch.nn` with `load_state_dict`), optimizer state as `optim.<parameter>.<torch.optim key>` (`square_avg`, `exp_avg`, `exp_avg_sq`, `momentum_buffer`, `sum`, `step`), the hidden state carried between windows as `state.h` / `state.c` [layers, batch, hidden] |
        | `run.json` | model, vocabulary (id → character), split, data layout and position (epoch, window), optimizer, learning-rate schedule, clipping, the loss of every step so far, who trained which steps |
        | `train.bin` | the training text as \#(batch) streams of ids (`run.json` → `data`); mapped, not read, so it may be larger than memory |
        | `train.py` | the training loop: PyTorch and safetensors only |

        ## One CPU (or the one GPU of this machine)

            python train.py --steps 1000

        ## Several GPUs on one machine

            torchrun --nproc_per_node=4 train.py --steps 1000

        Each process takes its own contiguous block of batch/N streams (its shard of the text) and carries its
        own hidden state from window to window; DistributedDataParallel averages the gradients (NCCL on GPUs,
        gloo on CPUs), which is the gradient of the whole batch of \#(batch) streams: N processes train what one
        would. The batch must be a multiple of N: in lmsh, `train m text batch=K steps=0` with such a K and
        export again (the data position then starts a new pass).

        ## Several nodes

        On every node (here 2 nodes of 4 GPUs; `HOST` is the first node's address):

            torchrun --nnodes=2 --nproc_per_node=4 --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 \
                     --rdzv_id=lmsh-run train.py --steps 1000

        The folder must be the same on every node (a shared file system, or a copy); rank 0 writes the checkpoints.

        ## Checkpoints, and the way back

        `--checkpoint-every N` writes every N steps as well as at the end. A checkpoint replaces
        `checkpoint.safetensors` and `run.json` atomically, in the same format, so a later `train.py` goes on
        from it, and lmsh reads it back with its whole loss history:

            m = load("run/")
            plot m.history
            gradflow m "some text"

        What does not carry over: lmsh's dropout random stream (PyTorch draws its own masks), and Adagrad's ε
        (lmsh divides by √(sum + ε), torch by √sum + ε).
        """#
    }
}
