"""`flask stats …` commands (the blueprint's CLI group)."""
import click

from marketplace.stats import bp
from models import db


@bp.cli.command("rebuild")
def rebuild_command():
    """Recount the pre-aggregated statistics from the contracts and payments tables."""
    from marketplace.stats import paid_rollup
    from marketplace.stats.rollup import rebuild

    cells = rebuild()
    paid_cells = paid_rollup.rebuild()
    db.session.commit()
    click.echo(f"统计汇总已重建：{cells} 个单元；到账金额 {paid_cells} 个单元。")


@bp.cli.command("verify")
def verify_command():
    """Compare the pre-aggregated statistics with a recount; exit 1 when they differ."""
    from marketplace.stats import paid_rollup
    from marketplace.stats.rollup import verify

    if not verify():
        click.echo("统计汇总与合同明细不一致，请运行 flask stats rebuild。", err=True)
        raise click.exceptions.Exit(1)
    if not paid_rollup.verify():
        click.echo("到账金额汇总与到账记录不一致，请运行 flask stats rebuild。", err=True)
        raise click.exceptions.Exit(1)
    click.echo("统计汇总与合同明细一致；到账金额汇总与到账记录一致。")
