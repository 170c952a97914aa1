"""The training loop and what it steers: control, schedules, precision, torchrun, the doctor,
the training state that resume reads and writes, and the notebooks' replay."""
