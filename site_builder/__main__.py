from site_builder.cli import run

if __name__ == "__main__":  # not when a worker process re-imports the main module
    run()
