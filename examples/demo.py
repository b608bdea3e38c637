"""A short tour of ember-core: tensors, broadcasting, reductions, views, save/load."""

import ember


def main() -> None:
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    print("x =", x)
    print("x + 1 =", x + 1)
    print("x.sum(dim=1) =", x.sum(dim=1))
    v = x.reshape(4)
    v.add_(10)  # a view: x changes too
    print("after reshape(4).add_(10), x =", x)
    print("int tensor / int tensor ->", (ember.tensor([3]) / ember.tensor([2])).dtype)


if __name__ == "__main__":
    main()
