"""Credit (信用): the supervisors' decisions on bidders, agencies and experts (quantitative
scoring's deductions, the black and red lists) with their validity, the score they make, and the
public lists in force (DOMAIN.md §6; docs/credit.md)."""
