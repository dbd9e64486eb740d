"""The meeting pack (研判会材料): an Excel workbook and a PDF report made from one Report."""
