import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsDefined, IsUUID, ValidateIf, ValidateNested } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { IsTagList } from '../../common/validators';
import { JobTargetDto } from './target.dto';

export class BulkTargetDto implements api.BulkTargetRequest {
  @ApiProperty({
    type: JobTargetDto,
    description: 'The devices to act on, as a job names them; `all: true` for every device',
  })
  @IsDefined()
  @ValidateNested()
  @Type(() => JobTargetDto)
  target!: JobTargetDto;
}

export class BulkTagDto extends BulkTargetDto implements api.BulkTagRequest {
  @IsTagList()
  @ArrayMinSize(1)
  tags!: string[];
}

export class BulkUntagDto extends BulkTargetDto implements api.BulkUntagRequest {
  @IsTagList()
  @ArrayMinSize(1)
  tags!: string[];
}

export class BulkGroupDto extends BulkTargetDto implements api.BulkGroupRequest {
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The group to move the devices into; null to take them out of any group',
  })
  @ValidateIf((_, v) => v !== null)
  @IsUUID()
  groupId!: string | null;
}

export class BulkActionResponse implements api.BulkActionResponse {
  @ApiProperty({ description: 'Devices the target resolved to' })
  matched!: number;

  @ApiProperty({
    description: 'Devices the action changed; the rest already were as asked',
  })
  changed!: number;
}
