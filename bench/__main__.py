import sys

if len(sys.argv) > 1 and sys.argv[1] == "soak":  # python -m bench soak [...]: bench/soak.py
    from bench.soak import main as soak

    soak(sys.argv[2:])
else:
    from bench.run import main

    main()
