"""The data sets: Fashion-MNIST's files, image folders, the toy data of notebooks 01 and 02."""
