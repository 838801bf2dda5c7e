"""Experts, draws, committees, venues and the live evaluation session (built by later issues;
the package exists so the layout of DESIGN.md §1 holds from the start)."""
